import type { Connector, ErrorCategory } from '../../connectors/types.js';
import { ConnectorError } from '../../connectors/types.js';

/** The one place a connector's failure becomes a category: anything unclassified is temporary. */
export function categorize(connector: Connector, err: unknown): ErrorCategory {
  if (err instanceof ConnectorError) return err.category;
  return connector.classifyError?.(err) ?? 'temporary';
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

/** Driver messages that carry no code: pg, knex's pool, ioredis, BullMQ's connection. */
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
