import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { Organization } from '../../domain/organization.entity.js';
import { User } from '../../domain/user.entity.js';
import { hashPassword } from '../../security/password.js';
import { requireAuth, requireRole } from '../auth.js';
import { conflict } from '../errors.js';
import { router } from '../env.js';
import { userView } from '../views.js';

const CreateOrganization = z
  .object({
    name: z.string().trim().min(1).max(120),
    admin: z.object({ email: z.email(), password: z.string().min(8).max(1024), name: z.string().trim().min(1).max(120).optional() }),
  })
  .openapi('CreateOrganization');

/** Tenants: only the instance owner creates them. */
export function organizationRoutes(deps: Deps) {
  const app = router();
  app.use('/api/organizations', requireAuth(deps), requireRole('owner'));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/organizations',
      tags: ['organizations'],
      security: [{ bearer: [] }],
      request: { body: { content: { 'application/json': { schema: CreateOrganization } }, required: true } },
      responses: { 201: { description: 'The organization and its admin' } },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const email = input.admin.email.toLowerCase();
      const em = c.var.em;
      if (await em.count(User, { email })) throw conflict('email_taken', 'A user with this email already exists');
      const passwordHash = await hashPassword(input.admin.password);
      const { org, admin } = await em.transactional(async (tx) => {
        const org = tx.create(Organization, { name: input.name } as any);
        const admin = tx.create(User, { organization: org, email, name: input.admin.name ?? 'Admin', role: 'admin', passwordHash } as any);
        return { org, admin };
      });
      return c.json({ id: org.id, name: org.name, createdAt: org.createdAt.toISOString(), admin: userView(admin) }, 201);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/organizations', tags: ['organizations'], security: [{ bearer: [] }], responses: { 200: { description: 'All organizations' } } }),
    async (c) => {
      const orgs = await c.var.em.find(Organization, {}, { orderBy: { createdAt: 'asc' } });
      return c.json(orgs.map((o) => ({ id: o.id, name: o.name, createdAt: o.createdAt.toISOString() })), 200);
    },
  );
  return app;
}
