import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logger.js';
import { AppError, toErrorBody, type ErrorBody } from '../errors.js';

/** toErrorBody, plus Hono's own exceptions (a body too large, a bad bearer header). */
function httpErrorBody(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'payload_too_large' : err.status === 401 ? 'unauthorized' : 'http_error';
    return { status: err.status as ContentfulStatusCode, body: { error: { code, message: err.message || 'Request failed' } } };
  }
  return toErrorBody(err);
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const { status, body } = httpErrorBody(err);
    if (err instanceof AppError) return c.json(body, status, err.extra.headers);
    if (status === 503) {
      log.warn({ err: err.message, path: c.req.path }, 'request refused: database or queue unavailable');
      c.header('Retry-After', '5');
    } else if (status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    return c.json(body, status);
  };
}
