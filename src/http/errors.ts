import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { NotFoundError, UniqueConstraintViolationException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logger.js';
import { isInfrastructureError } from '../pipeline/errors.js';
import { QueueUnavailableError } from '../pipeline/ingest.queue.js';

/** An error the caller should see: its status, a stable code and a plain message. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'You do not have permission to do this') => new AppError(403, 'forbidden', message);
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const badRequest = (message: string, code = 'bad_request') => new AppError(400, code, message);

export type ErrorBody = { error: { code: string; message: string } };

/** Maps any thrown error to `{error: {code, message}}`; never a stack trace. */
export function toErrorBody(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (err instanceof AppError) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
  if (err instanceof UniqueConstraintViolationException)
    return { status: 409, body: { error: { code: 'conflict', message: 'That already exists' } } };
  if (err instanceof ForeignKeyConstraintViolationException)
    return { status: 409, body: { error: { code: 'conflict', message: 'That is still referenced by other records' } } };
  if (err instanceof HTTPException) {
    const code = err.status === 413 ? 'payload_too_large' : err.status === 401 ? 'unauthorized' : 'http_error';
    return { status: err.status as ContentfulStatusCode, body: { error: { code, message: err.message || 'Request failed' } } };
  }
  // Postgres or Redis unreachable: try again later (platforms redeliver on a 5xx).
  if (err instanceof QueueUnavailableError || isInfrastructureError(err))
    return { status: 503, body: { error: { code: 'service_unavailable', message: 'The hub cannot take this request right now; retry later' } } };
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } };
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const { status, body } = toErrorBody(err);
    if (status === 503) {
      log.warn({ err: err.message, path: c.req.path }, 'request refused: database or queue unavailable');
      c.header('Retry-After', '5');
    } else if (status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    return c.json(body, status);
  };
}
