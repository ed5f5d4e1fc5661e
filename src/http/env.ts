import type { EntityManager } from '@mikro-orm/postgresql';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { User } from '../domain/user.entity.js';
import type { Role } from '../domain/user.entity.js';
import { AppError } from './errors.js';

export type AuthInfo = { userId: string; orgId: string; role: Role; user: User };
export type AppEnv = { Variables: { auth: AuthInfo; em: EntityManager } };

/** A router whose request validation failures answer 400 in the hub's error shape. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
        throw new AppError(400, 'validation_error', detail);
      }
    },
  });
}
