/**
 * Graph API failures mapped to what the pipeline should do with them.
 * Codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
 *        https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 *        https://developers.facebook.com/docs/messenger-platform/error-codes
 */
import { ConnectorError, type ErrorCategory } from '../types.js';
import { networkFailureSentence } from '../network-errors.js';

/** The `error` object of a Graph API error body. */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_data?: { details?: string; messaging_product?: string } | string;
  fbtrace_id?: string;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Application/page/user throttling (Graph) and WhatsApp's per-pair and spam rate limits. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056]);
/** Expired or revoked token (190), session key (102), missing permission (10, 200-299). */
const AUTH_CODES = new Set([190, 102, 10, ...range(200, 299)]);
/** Meta's own outages: unknown/service errors that succeed on a later try. */
const TEMPORARY_CODES = new Set([1, 2, 131000, 131016, 133004]);
/**
 * Messenger answers a message outside the 24 h window with code 10 (a "permission" code):
 * retrying or re-authenticating cannot fix it, so these subcodes are permanent.
 */
const PERMANENT_SUBCODES = new Set([2018065, 2018278]);

type Rule = [ErrorCategory, (status: number, e: GraphError) => boolean];

/** First match wins: the order encodes which signal Meta means most. */
const RULES: Rule[] = [
  ['permanent', (_s, e) => e.error_subcode !== undefined && PERMANENT_SUBCODES.has(e.error_subcode)],
  ['rate_limited', (s, e) => s === 429 || (e.code !== undefined && RATE_LIMIT_CODES.has(e.code))],
  ['auth', (s, e) => s === 401 || (e.code !== undefined && AUTH_CODES.has(e.code))],
  ['temporary', (s, e) => s >= 500 || e.is_transient === true || (e.code !== undefined && TEMPORARY_CODES.has(e.code))],
];

export function categorize(status: number, error: GraphError): ErrorCategory {
  return RULES.find(([, test]) => test(status, error))?.[0] ?? (status >= 400 && status < 500 ? 'permanent' : 'temporary');
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function describe(error: GraphError, status: number): string {
  const details = typeof error.error_data === 'object' ? error.error_data?.details : undefined;
  const message = error.message ?? `HTTP ${status}`;
  return details && details !== message ? `${message}: ${details}` : message;
}

/** A non-2xx Graph answer as a ConnectorError; `body` is whatever the response text was. */
export function graphFailure(status: number, body: string, headers: Headers): ConnectorError {
  const error = graphErrorOf(body) ?? {};
  const category = categorize(status, error);
  const retryAfter = category === 'rate_limited' ? parseRetryAfter(headers.get('retry-after')) : undefined;
  const code = error.code !== undefined ? String(error.code) : `http_${status}`;
  return new ConnectorError(category, describe(error, status), code, retryAfter);
}

function graphErrorOf(body: string): GraphError | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: GraphError };
    return parsed && typeof parsed.error === 'object' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** Anything thrown around a fetch (DNS, reset, abort on timeout) becomes a temporary failure. */
export function transportFailure(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const name = (e as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ConnectorError('temporary', 'Meta did not answer in time', 'timeout');
  }
  return new ConnectorError('temporary', networkFailureSentence('Meta', e), 'network');
}

/** For `Connector.classifyError`: a ConnectorError knows its category, the rest is transport. */
export const classifyMetaError = (e: unknown): ErrorCategory => transportFailure(e).category;
