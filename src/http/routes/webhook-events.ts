import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { enqueueInbound } from '../../pipeline/ingest.queue.js';
import { requireAuth, requireRole } from '../auth.js';
import { notFound } from '../../errors.js';
import { auditActor, router } from '../env.js';
import { audit } from '../../domain/audit.js';
import { IdParam, bearer, described } from '../openapi.js';

const Filter = z.object({
  channelId: z.uuid().optional(),
  outcome: z.enum(['stored', 'updated', 'duplicate', 'unsupported', 'ignored']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Kept raw payloads (secrets redacted): look at what a platform sent, and run it through ingest again. */
export function webhookEventRoutes(deps: Deps) {
  const app = router();
  app.use('/api/webhook-events', requireAuth(deps), requireRole('admin'));
  app.use('/api/webhook-events/*', requireAuth(deps), requireRole('admin'));
  const conn = () => deps.orm.em.getConnection();
  const tags = ['webhooks'];

  app.openapi(createRoute({ method: 'get', path: '/api/webhook-events', tags, security: bearer, request: { query: Filter }, responses: described(200, 'Kept payloads, newest first') }),
    async (c) => {
      const f = c.req.valid('query');
      const rows = await conn().execute(
        `select id, channel_id, outcome, detail, payload, content_type, created_at, expires_at from webhook_events
         where organization_id = ? and (?::uuid is null or channel_id = ?) and (?::text is null or outcome = ?)
         order by created_at desc limit ?`,
        [c.var.auth.orgId, f.channelId ?? null, f.channelId ?? null, f.outcome ?? null, f.outcome ?? null, f.limit],
      );
      return c.json(rows.map((r: any) => ({
        id: r.id, channelId: r.channel_id, outcome: r.outcome, detail: r.detail ?? undefined, payload: r.payload, contentType: r.content_type ?? undefined,
        receivedAt: new Date(r.created_at).toISOString(), expiresAt: new Date(r.expires_at).toISOString(),
      })), 200);
    });

  // Safe to repeat: what was stored already is a no-op, as with any redelivery.
  app.openapi(createRoute({ method: 'post', path: '/api/webhook-events/{id}/replay', tags, security: bearer, request: { params: IdParam }, responses: described(202, 'Queued again') }),
    async (c) => {
      const { id } = c.req.valid('param');
      const [row] = z.uuid().safeParse(id).success
        ? await conn().execute('select channel_id, payload, content_type from webhook_events where id = ? and organization_id = ?', [id, c.var.auth.orgId])
        : [];
      if (!row) throw notFound('Webhook event');
      await enqueueInbound(deps.queues, row.channel_id, `replay:${id}:${Date.now()}`, {
        body: row.payload,
        contentType: row.content_type ?? undefined,
        receivedAt: Date.now(),
      });
      audit(c.var.em, auditActor(c), { action: 'webhook_event.replay', targetType: 'webhook_event', targetId: id, details: { channelId: row.channel_id } });
      await c.var.em.flush();
      return c.json({ ok: true }, 202);
    });
  return app;
}
