import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { Organization } from '../../domain/organization.entity.js';
import { User } from '../../domain/user.entity.js';
import { audit } from '../../domain/audit.js';
import { hashPassword } from '../../security/password.js';
import { NewPassword, assertPasswordAllowed } from '../../security/password-policy.js';
import { auditActor, router } from '../env.js';
import { userView } from '../views.js';

const CreateOrganization = z
  .object({
    name: z.string().trim().min(1).max(120),
    admin: z.object({ email: z.email(), password: NewPassword, name: z.string().trim().min(1).max(120).optional() }),
  })
  .openapi('CreateOrganization');

/** Tenants: only the instance owner creates and lists them (src/http/api.ts). */
export function organizationRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/organizations',
      tags: ['organizations'],
      security: [{ bearer: [] }],
      request: { body: { content: { 'application/json': { schema: CreateOrganization } }, required: true } },
      responses: { 201: { description: 'The organization and its admin' } },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const email = input.admin.email.toLowerCase();
      assertPasswordAllowed(input.admin.password, email);
      const em = c.var.em;
      const passwordHash = await hashPassword(input.admin.password);
      // A new organization has no users yet: its admin's email may have accounts elsewhere.
      const { org, admin } = await em.transactional(async (tx) => {
        const org = tx.create(Organization, { id: randomUUID(), name: input.name } as any);
        const admin = tx.create(User, { id: randomUUID(), organization: org, email, name: input.admin.name ?? 'Admin', role: 'admin', passwordHash } as any);
        const record = { action: 'organization.create', targetType: 'organization', targetId: org.id, details: { name: input.name, adminEmail: email } };
        audit(tx, auditActor(c), record);
        audit(tx, auditActor(c), { ...record, orgId: org.id });
        return { org, admin };
      });
      return c.json({ id: org.id, name: org.name, createdAt: org.createdAt.toISOString(), admin: userView(admin) }, 201);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/organizations', tags: ['organizations'], security: [{ bearer: [] }], responses: { 200: { description: 'All organizations' } } }),
    async (c) => {
      const orgs = await c.var.em.find(Organization, {}, { orderBy: { createdAt: 'asc' } });
      return c.json(orgs.map((o) => ({ id: o.id, name: o.name, createdAt: o.createdAt.toISOString() })), 200);
    },
  );
  return app;
}
