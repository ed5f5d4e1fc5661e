import type { EntityManager } from '@mikro-orm/postgresql';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { AuthInfo } from '../security/policy.js';
import { AppError } from '../errors.js';


/**
 * `actor`: the signed-in caller (what domain services take as their `Actor`, with the user row), set by the /api sub-app for every route after sign-in (src/http/api.ts);
 * `address`: the client's address (src/http/client-address.ts), for throttling and the audit log.
 */
export type AppEnv = { Variables: { actor: AuthInfo; em: EntityManager; address: string } };

/** A router whose request validation failures answer 400 in the hub's error shape. */
export function router<E extends Env = AppEnv>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        throw new AppError(400, 'validation_error', detail);
      }
    },
  });
}

/** The signed-in caller as the audit log records them. */
export const auditActor = (c: { var: AppEnv['Variables'] }) => ({
  userId: c.var.actor.userId,
  orgId: c.var.actor.orgId,
  email: c.var.actor.user.email,
  address: c.var.address,
});
