import type { EntityManager } from '@mikro-orm/postgresql';
import { createMiddleware } from 'hono/factory';
import type { Deps } from '../context.js';
import { User, type Role } from '../domain/user.entity.js';
import { atLeast } from '../security/policy.js';
import { forbidden, unauthorized } from '../errors.js';
import type { AppEnv, RequestActor } from './env.js';

/** The token of an `Authorization: Bearer` header, or ''. */
export const bearerToken = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice(7).trim() : '');

/**
 * The signed-in caller of a token, checked against the user's current standing: still there,
 * enabled, and the token issued at the user's current token version (a password change,
 * disable or role change raises it). The user row is read anyway, so the version check costs nothing.
 */
export async function authenticate(deps: Pick<Deps, 'tokens'>, em: EntityManager, token: string, audience?: string): Promise<RequestActor> {
  const claims = await deps.tokens.verify(token, audience).catch(() => {
    throw unauthorized('Invalid or expired token');
  });
  const user = await em.findOne(User, { id: claims.userId, organization: claims.orgId });
  if (!user || user.disabled || user.tokenVersion !== claims.version) throw unauthorized('Invalid or expired token');
  return { userId: user.id, orgId: claims.orgId, role: user.role, tokenVersion: user.tokenVersion, name: user.name, user };
}

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
export function requireRole(min: Role, refusal?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!atLeast(c.var.actor.role, min)) throw forbidden(refusal);
    await next();
  });
}
