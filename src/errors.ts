import { NotFoundError, UniqueConstraintViolationException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { ConnectorError } from '../connectors/types.js';

/**
 * The hub's errors and how each kind is told apart, framework-free: the domain throws them,
 * the HTTP error handler and the socket acks turn them into `{error: {code, message}}`, the
 * workers' failure policy decides retries from them.
 */

/** The statuses an AppError answers with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

/** An error the caller should see: its status, a stable code and a plain message. */
export class AppError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    /** `headers` go with the response (Retry-After on 429 and 503); `details` into the error object. */
    readonly extra: { headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'You do not have permission to do this') => new AppError(403, 'forbidden', message);
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const badRequest = (message: string, code = 'bad_request') => new AppError(400, code, message);
export const unsupported = (message: string) => new AppError(422, 'unsupported', message);
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many attempts; try again later') =>
  new AppError(429, 'too_many_requests', message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });

/** Redis could not take a job in time: the caller must not acknowledge it. */
export class QueueUnavailableError extends Error {
  constructor(reason: string) {
    super(`the ingest queue cannot take the delivery: ${reason}`);
    this.name = 'QueueUnavailableError';
  }
}

export type ErrorBody = { error: { code: string; message: string; [detail: string]: unknown } };

/** Maps any thrown error to `{error: {code, message}}`; never a stack trace. */
export function toErrorBody(err: unknown): { status: ErrorStatus; body: ErrorBody } {
  if (err instanceof AppError) return { status: err.status, body: { error: { ...err.extra.details, code: err.code, message: err.message } } };
  if (err instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
  if (err instanceof UniqueConstraintViolationException)
    return { status: 409, body: { error: { code: 'conflict', message: 'That already exists' } } };
  if (err instanceof ForeignKeyConstraintViolationException)
    return { status: 409, body: { error: { code: 'conflict', message: 'That is still referenced by other records' } } };
  // Postgres or Redis unreachable: try again later (platforms redeliver on a 5xx).
  if (err instanceof QueueUnavailableError || isInfrastructureError(err))
    return { status: 503, body: { error: { code: 'service_unavailable', message: 'The hub cannot take this request right now; retry later' } } };
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } };
}

export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** Socket-level failures: the peer (Postgres, Redis) is not there. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * Postgres SQLSTATEs that say the server, not the statement, is the problem: connection
 * exceptions (08xxx, but not 08P01: a message the server could not read, a NUL in it say, is
 * the statement's fault and would fail forever), shutting down or starting up (57P01-57P03), out of connections or
 * resources (53xxx), and transaction conflicts that succeed when simply run again.
 */
const PG_TRANSIENT = /^(08(?!P01)...|57P0[1-3]|53...|40001|40P01)$/;

/** Driver messages that carry no code: pg, knex's pool, ioredis (also on a cluster), BullMQ's connection. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /timeout acquiring a connection/i,
  /connection is closed/i,
  /enableOfflineQueue options is false/i,
  /command timed out/i,
  /reached the max retries per request/i,
  /connection (?:lost|refused|reset)/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  // Redis Cluster: a node down or failing over, slots moving, a node still loading its data.
  /^(?:CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|READONLY)\b/,
  /Too many Cluster redirections/,
  /None of startup nodes is available/,
  /Failed to refresh slots cache/,
];
const TRANSIENT_NAMES = new Set(['ConnectionException', 'KnexTimeoutError', 'MaxRetriesPerRequestError']);

/**
 * True when an error means Postgres or Redis could not be reached (or briefly refused work),
 * so the same job will succeed unchanged once they are back. Such errors never count as a
 * job's attempt; everything else is the payload's fault.
 */
export function isInfrastructureError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5 || platformErrors.has(err) || err instanceof ConnectorError) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; sqlState?: unknown };
  const code = typeof e.code === 'string' ? e.code : typeof e.sqlState === 'string' ? e.sqlState : '';
  if (NETWORK_CODES.has(code) || PG_TRANSIENT.test(code)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isInfrastructureError(x, depth + 1))) return true;
  return isInfrastructureError(e.cause, depth + 1);
}

const platformErrors = new WeakSet<object>();

/**
 * Runs a call to a platform (send, media download, profile): what it throws is the platform's
 * failure, never the hub's infrastructure, even when it is a refused connection.
 */
export function platformCall<T>(call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => {
    if (err && typeof err === 'object') platformErrors.add(err);
    throw err;
  });
}
