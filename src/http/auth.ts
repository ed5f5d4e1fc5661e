import { createMiddleware } from 'hono/factory';
import type { Deps } from '../context.js';
import { User, type Role } from '../domain/user.entity.js';
import { forbidden, unauthorized } from './errors.js';
import type { AppEnv } from './env.js';

/** Checks the bearer token and that its user still exists and is enabled. */
export function requireAuth(deps: Deps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) throw unauthorized();
    const claims = await deps.tokens.verify(token).catch(() => {
      throw unauthorized('Invalid or expired token');
    });
    const user = await c.var.em.findOne(User, { id: claims.userId, organization: claims.orgId });
    if (!user || user.disabled) throw unauthorized('Invalid or expired token');
    c.set('auth', { userId: user.id, orgId: claims.orgId, role: user.role, user });
    await next();
  });
}

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

/** Owners are also admins of their own organization. */
export function requireRole(min: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (RANK[c.var.auth.role] < RANK[min]) throw forbidden();
    await next();
  });
}
