import { pino, type DestinationStream, type Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the depths the hub logs. */
const SECRET_KEYS = [
  'password', 'passwordHash', 'token', 'accessToken', 'appSecret', 'verifyToken', 'botToken',
  'secretToken', 'authToken', 'imapPassword', 'smtpPassword', 'apiKey', 'credentials',
  'authorization', 'cookie', 'jwtSecret', 'secretKey', 'adminPassword',
];
const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);

/** A Postgres error (pg's, or MikroORM's wrapping with the query in its message). */
const isDatabaseError = (e: { code?: unknown; sqlState?: unknown; severity?: unknown }) =>
  typeof e.sqlState === 'string' || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && 'severity' in e);

/**
 * Errors as pino logs them, except database errors: their message and stack carry the SQL and
 * the values bound to it, so only their kind, SQLSTATE and the frames are kept.
 */
function serializeError(err: unknown) {
  if (!err || typeof err !== 'object' || !isDatabaseError(err as object)) return pino.stdSerializers.err(err as Error);
  const e = err as Error & { code?: string; sqlState?: string; routine?: string };
  return {
    type: e.name,
    message: `database error ${e.sqlState ?? e.code}${e.routine ? ` (${e.routine})` : ''}`,
    code: e.sqlState ?? e.code,
    stack: e.stack?.split('\n').filter((l) => /^\s+at /.test(l)).join('\n'),
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ name: 'hub', level, redact: { paths: redactPaths, censor: '[redacted]' }, serializers: { err: serializeError } }, destination);
}

export type { Logger };
