/**
 * Minimal Graph API client over the context's fetch: bearer token in the header (never in the
 * URL), a timeout on every call, and failures classified by ./errors.ts.
 * https://developers.facebook.com/docs/graph-api/overview
 */
import { ConnectorError, type ConnectorContext } from '../types.js';
import type { MetaCredentials } from './credentials.js';
import { graphFailure, transportFailure } from './errors.js';

export const GRAPH_ORIGIN = 'https://graph.facebook.com';

/** Milliseconds before a silent Meta counts as a temporary failure, unless the context sets its own. */
const GRAPH_TIMEOUTS = { apiMs: 15_000, downloadMs: 60_000 };

type GraphContext = Pick<ConnectorContext, 'fetch' | 'timeouts'>;

type Creds = Pick<MetaCredentials, 'apiBaseUrl' | 'apiVersion'>;

/** `{base}/{version}/{...segments}`, each segment escaped. */
export function graphUrl(creds: Creds, ...segments: string[]): string {
  const base = (creds.apiBaseUrl ?? GRAPH_ORIGIN).replace(/\/+$/, '');
  return [base, creds.apiVersion, ...segments.map(encodeURIComponent)].join('/');
}

interface CallOptions {
  method?: 'GET' | 'POST';
  token?: string;
  body?: unknown;
  timeoutMs?: number;
}

/** Fetch with the timeout and error mapping; resolves only on 2xx. */
async function call(ctx: GraphContext, url: string, opts: CallOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await ctx.fetch(url, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? ctx.timeouts?.apiMs ?? GRAPH_TIMEOUTS.apiMs),
    });
    if (!res.ok) throw graphFailure(res.status, await res.text(), res.headers);
    return res;
  } catch (e) {
    throw transportFailure(e);
  }
}

/** A Graph call that answers JSON. */
export async function graphJson<T>(ctx: GraphContext, url: string, opts: CallOptions = {}): Promise<T> {
  const res = await call(ctx, url, opts);
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw transportFailure(e);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ConnectorError('temporary', `Graph answered ${res.status} with a body that is not JSON`, 'bad_json');
  }
}

export interface Download {
  data: Buffer;
  mimeType?: string;
  fileName?: string;
}

/** GET a file; the token goes along only when given (WhatsApp media URLs need it, CDN URLs do not). */
export async function download(ctx: GraphContext, url: string, token?: string): Promise<Download> {
  try {
    const res = await call(ctx, url, { token, timeoutMs: ctx.timeouts?.downloadMs ?? GRAPH_TIMEOUTS.downloadMs });
    const data = Buffer.from(await res.arrayBuffer());
    const mimeType = res.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
    return { data, mimeType, fileName: fileNameOf(res.headers.get('content-disposition')) };
  } catch (e) {
    throw transportFailure(e);
  }
}

function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain parameter */
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1]?.trim() || undefined;
}
