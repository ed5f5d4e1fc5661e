import { createRoute, z } from '@hono/zod-openapi';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Deps } from '../../context.js';
import { User } from '../../domain/user.entity.js';
import { hashPassword } from '../../security/password.js';
import { requireAuth, requireRole } from '../auth.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { router } from '../env.js';
import { userView } from '../views.js';

const Id = z.object({ id: z.string() });
const CreateUser = z
  .object({ email: z.email(), password: z.string().min(8).max(1024), name: z.string().trim().min(1).max(120), role: z.enum(['admin', 'agent']).default('agent') })
  .openapi('CreateUser');
const UpdateUser = z
  .object({ name: z.string().trim().min(1).max(120), password: z.string().min(8).max(1024), role: z.enum(['admin', 'agent']), disabled: z.boolean() })
  .partial()
  .openapi('UpdateUser');
const json = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const sec = [{ bearer: [] }];

/** Users of the caller's organization (admins only). */
export function userRoutes(deps: Deps) {
  const app = router();
  app.use('/api/users', requireAuth(deps), requireRole('admin'));
  app.use('/api/users/*', requireAuth(deps), requireRole('admin'));

  const findUser = async (em: EntityManager, orgId: string, id: string): Promise<User> => {
    const user = z.uuid().safeParse(id).success ? await em.findOne(User, { id, organization: orgId }) : null;
    if (!user) throw notFound('User');
    return user;
  };

  app.openapi(createRoute({ method: 'get', path: '/api/users', tags: ['users'], security: sec, responses: { 200: { description: 'Users' } } }), async (c) => {
    const users = await c.var.em.find(User, { organization: c.var.auth.orgId }, { orderBy: { createdAt: 'asc' } });
    return c.json(users.map(userView), 200);
  });

  app.openapi(
    createRoute({ method: 'post', path: '/api/users', tags: ['users'], security: sec, request: json(CreateUser), responses: { 201: { description: 'Created' }, 409: { description: 'Email taken' } } }),
    async (c) => {
      const input = c.req.valid('json');
      const email = input.email.toLowerCase();
      if (await c.var.em.count(User, { email })) throw conflict('email_taken', 'A user with this email already exists');
      const user = c.var.em.create(User, {
        organization: c.var.auth.orgId,
        email,
        name: input.name,
        role: input.role,
        passwordHash: await hashPassword(input.password),
      } as any);
      await c.var.em.flush();
      return c.json(userView(user), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'patch', path: '/api/users/{id}', tags: ['users'], security: sec, request: { params: Id, ...json(UpdateUser) }, responses: { 200: { description: 'Updated' } } }),
    async (c) => {
      const user = await findUser(c.var.em, c.var.auth.orgId, c.req.valid('param').id);
      const input = c.req.valid('json');
      if (user.role === 'owner' && (input.role || input.disabled)) throw forbidden('The instance owner keeps its role and cannot be disabled');
      if (input.name !== undefined) user.name = input.name;
      if (input.role !== undefined) user.role = input.role;
      if (input.disabled !== undefined) user.disabled = input.disabled;
      if (input.password !== undefined) user.passwordHash = await hashPassword(input.password);
      await c.var.em.flush();
      return c.json(userView(user), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/users/{id}', tags: ['users'], security: sec, request: { params: Id }, responses: { 204: { description: 'Deleted' } } }),
    async (c) => {
      const user = await findUser(c.var.em, c.var.auth.orgId, c.req.valid('param').id);
      if (user.id === c.var.auth.userId) throw forbidden('You cannot delete yourself');
      if (user.role === 'owner') throw forbidden('The instance owner cannot be deleted');
      await c.var.em.remove(user).flush();
      return c.body(null, 204);
    },
  );
  return app;
}
