import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Deps } from '../../context.js';
import { User } from '../../domain/user.entity.js';
import { audit } from '../../domain/audit.js';
import { endSessions, invalidateTokens } from '../../domain/accounts.js';
import { hashPassword } from '../../security/password.js';
import { NewPassword, assertPasswordAllowed } from '../../security/password-policy.js';
import { assertCanAddUser, assertUserChange } from '../../security/policy.js';
import { conflict } from '../../errors.js';
import { findOwned } from '../../domain/owned.js';
import { auditActor, router } from '../env.js';
import { userView } from '../views.js';
import { IdParam, bearer, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

const CreateUser = z
  .object({ email: z.email(), password: NewPassword, name: z.string().trim().min(1).max(120), role: z.enum(['admin', 'agent']).default('agent') })
  .openapi('CreateUser');
const UpdateUser = z
  .object({ name: z.string().trim().min(1).max(120), password: NewPassword, role: z.enum(['admin', 'agent']), disabled: z.boolean() })
  .partial()
  .openapi('UpdateUser');

/** Users of the caller's organization (admins only; who may change whom: src/security/policy.ts). */
export function userRoutes(deps: Deps) {
  const app = router();

  const findUser = (em: EntityManager, orgId: string, id: string) => findOwned(em, User, orgId, id, 'User');

  app.openapi(createRoute({ method: 'get', path: '/users', tags: ['users'], security: bearer, responses: returns(200, 'Users', z.array(wire.User)) }), async (c) => {
    const users = await c.var.em.find(User, { organization: c.var.actor.orgId }, { orderBy: { createdAt: 'asc' } });
    return c.json(users.map(userView), 200);
  });

  app.openapi(
    createRoute({ method: 'post', path: '/users', tags: ['users'], security: bearer, request: jsonBody(CreateUser), responses: { ...returns(201, 'Created', wire.User), 409: { description: 'Email taken in this organization' } } }),
    async (c) => {
      const input = c.req.valid('json');
      assertCanAddUser(c.var.actor, input.role);
      const email = input.email.toLowerCase();
      assertPasswordAllowed(input.password, email);
      if (await c.var.em.count(User, { organization: c.var.actor.orgId, email })) throw conflict('email_taken', 'A user with this email already exists');
      const user = c.var.em.create(User, {
        id: randomUUID(),
        organization: c.var.actor.orgId,
        email,
        name: input.name,
        role: input.role,
        passwordHash: await hashPassword(input.password),
      } as any);
      audit(c.var.em, auditActor(c), { action: 'user.create', targetType: 'user', targetId: user.id, details: { email, role: input.role, by: 'password' } });
      await c.var.em.flush();
      return c.json(userView(user), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'patch', path: '/users/{id}', tags: ['users'], security: bearer, request: { params: IdParam, ...jsonBody(UpdateUser) }, responses: { ...returns(200, 'Updated', wire.User), 403: { description: 'Not allowed by the role rules' } } }),
    async (c) => {
      const user = await findUser(c.var.em, c.var.actor.orgId, c.req.valid('param').id);
      const input = c.req.valid('json');
      assertUserChange(c.var.actor, user, { name: input.name !== undefined, password: input.password !== undefined, role: input.role, disabled: input.disabled });
      if (input.password !== undefined) assertPasswordAllowed(input.password, user.email);
      const details: Record<string, unknown> = {};
      if (input.name !== undefined && input.name !== user.name) details.name = input.name;
      if (input.role !== undefined && input.role !== user.role) details.role = { from: user.role, to: input.role };
      if (input.disabled !== undefined && input.disabled !== user.disabled) details.disabled = input.disabled;
      if (input.password !== undefined) details.passwordChanged = true;
      // Whatever changes what the user may do ends their sessions; a rename does not.
      const endsSessions = 'role' in details || details.disabled === true || 'passwordChanged' in details;
      if (input.name !== undefined) user.name = input.name;
      if (input.role !== undefined) user.role = input.role;
      if (input.disabled !== undefined) user.disabled = input.disabled;
      if (input.password !== undefined) user.passwordHash = await hashPassword(input.password);
      if (endsSessions) invalidateTokens(user);
      if (Object.keys(details).length) audit(c.var.em, auditActor(c), { action: 'user.update', targetType: 'user', targetId: user.id, details: { email: user.email, ...details } });
      await c.var.em.flush();
      if (endsSessions) await endSessions(deps, user.id);
      return c.json(userView(user), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/users/{id}', tags: ['users'], security: bearer, request: { params: IdParam }, responses: { 204: { description: 'Deleted' }, 403: { description: 'Not allowed by the role rules' } } }),
    async (c) => {
      const user = await findUser(c.var.em, c.var.actor.orgId, c.req.valid('param').id);
      assertUserChange(c.var.actor, user, { remove: true });
      audit(c.var.em, auditActor(c), { action: 'user.delete', targetType: 'user', targetId: user.id, details: { email: user.email, role: user.role } });
      await c.var.em.remove(user).flush();
      await endSessions(deps, user.id);
      return c.body(null, 204);
    },
  );
  return app;
}
