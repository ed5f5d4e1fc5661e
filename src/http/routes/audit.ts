import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { AuditPage, listAudit } from '../../domain/audit.js';
import { router } from '../env.js';

/** The organization's audit log (admins): who did what and when, newest first. */
export function auditRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({ method: 'get', path: '/audit-log', tags: ['audit'], security: [{ bearer: [] }], request: { query: AuditPage }, responses: { 200: { description: '{items, nextCursor}' }, 400: { description: 'Bad cursor or limit' } } }),
    async (c) => c.json(await listAudit(c.var.em, c.var.actor.orgId, c.req.valid('query')), 200),
  );
  return app;
}
