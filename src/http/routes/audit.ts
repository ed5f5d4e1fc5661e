import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { AuditPage, listAudit } from '../../domain/audit.js';
import { requireAuth, requireRole } from '../auth.js';
import { router } from '../env.js';

/** The organization's audit log (admins): who did what and when, newest first. */
export function auditRoutes(deps: Deps) {
  const app = router();
  app.use('/api/audit-log', requireAuth(deps), requireRole('admin'));
  app.openapi(
    createRoute({ method: 'get', path: '/api/audit-log', tags: ['audit'], security: [{ bearer: [] }], request: { query: AuditPage }, responses: { 200: { description: '{items, nextCursor}' }, 400: { description: 'Bad cursor or limit' } } }),
    async (c) => c.json(await listAudit(c.var.em, c.var.auth.orgId, c.req.valid('query')), 200),
  );
  return app;
}
