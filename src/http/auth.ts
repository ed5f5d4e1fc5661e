import { createMiddleware } from 'hono/factory';
import type { Deps } from '../context.js';
import { User, type Role } from '../domain/user.entity.js';
import { atLeast } from '../security/policy.js';
import { forbidden, unauthorized } from '../errors.js';
import type { AppEnv } from './env.js';

/**
 * Checks the bearer token and the user's current standing: still there, enabled, and the
 * token issued at the user's current token version (a password change, disable or role
 * change raises it). The user row is read anyway, so the version check costs nothing.
 */
export function requireAuth(deps: Deps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) throw unauthorized();
    const claims = await deps.tokens.verify(token).catch(() => {
      throw unauthorized('Invalid or expired token');
    });
    const user = await c.var.em.findOne(User, { id: claims.userId, organization: claims.orgId });
    if (!user || user.disabled || user.tokenVersion !== claims.version) throw unauthorized('Invalid or expired token');
    c.set('auth', { userId: user.id, orgId: claims.orgId, role: user.role, tokenVersion: user.tokenVersion, user });
    await next();
  });
}

export function requireRole(min: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!atLeast(c.var.auth.role, min)) throw forbidden();
    await next();
  });
}
