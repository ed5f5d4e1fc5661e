import { createMiddleware } from 'hono/factory';
import type { Deps } from '../context.js';
import type { Role } from '../domain/user.entity.js';
import { authenticate } from '../domain/accounts.js';
import { atLeast } from '../security/policy.js';
import { forbidden, unauthorized } from '../errors.js';
import type { AppEnv } from './env.js';

/** The token of an `Authorization: Bearer` header, or ''. */
export const bearerToken = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice(7).trim() : '');

/** Sets `c.var.actor` from the bearer token, or answers 401: the /api sub-app runs it once for every route after sign-in. */
export function requireAuth(deps: Pick<Deps, 'tokens'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized();
    c.set('actor', await authenticate(deps, c.var.em, token));
    await next();
  });
}

/** 403 unless the caller's role is at least `min` (owners are admins too). */
export function requireRole(min: Role, refusal?: string, open?: RegExp) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!atLeast(c.var.actor.role, min) && !open?.test(c.req.path)) throw forbidden(refusal);
    await next();
  });
}
