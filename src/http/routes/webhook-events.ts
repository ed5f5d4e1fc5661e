import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { WEBHOOK_OUTCOMES, replayKept } from '../../pipeline/replay.js';
import { sqlOf } from '../../db/sql.js';
import { keptEvent, keptEvents, listWebhookEvents } from '../../db/webhook-events.js';
import { owned } from '../../domain/owned.js';
import { auditActor, router } from '../env.js';
import { audit } from '../../domain/audit.js';
import { IdParam, bearer, described, jsonBody } from '../openapi.js';

const Filter = z.object({
  channelId: z.uuid().optional(),
  outcome: z.enum(WEBHOOK_OUTCOMES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Which kept payloads to replay at once: by default every failed one of the organization. */
const ReplayFilter = z.object({
  outcome: z.enum(['failed', 'unsupported']).default('failed'),
  channelId: z.uuid().optional(),
  limit: z.number().int().min(1).max(1000).default(1000),
});

/** Kept raw payloads (secrets redacted): look at what a platform sent, and run it through ingest again. */
export function webhookEventRoutes(deps: Deps) {
  const app = router();
  const sql = sqlOf(deps.orm);
  const tags = ['webhooks'];

  app.openapi(createRoute({ method: 'get', path: '/webhook-events', tags, security: bearer, request: { query: Filter }, responses: described(200, 'Kept payloads, newest first') }),
    async (c) => {
      const f = c.req.valid('query');
      const rows = await listWebhookEvents(sql, c.var.actor.orgId, f);
      return c.json(rows.map((r) => ({
        id: r.id, channelId: r.channel_id, channelName: r.channel_name, channelKind: r.channel_kind,
        outcome: r.outcome, detail: r.detail ?? undefined, payload: r.payload, contentType: r.content_type ?? undefined,
        receivedAt: new Date(r.created_at).toISOString(), expiresAt: new Date(r.expires_at).toISOString(),
      })), 200);
    });

  app.openapi(createRoute({ method: 'post', path: '/webhook-events/{id}/replay', tags, security: bearer, request: { params: IdParam }, responses: described(202, 'Queued again') }),
    async (c) => {
      const { id } = c.req.valid('param');
      const kept = await owned('Webhook event', id, (id) => keptEvent(sql, id, c.var.actor.orgId));
      await replayKept(deps, [kept]);
      audit(c.var.em, auditActor(c), { action: 'webhook_event.replay', targetType: 'webhook_event', targetId: id, details: { channelId: kept.channel_id } });
      await c.var.em.flush();
      return c.json({ ok: true, replayed: 1 }, 202);
    });

  // After a fix: every failed delivery of the organization (or of one channel) through ingest again.
  app.openapi(createRoute({ method: 'post', path: '/webhook-events/replay', tags, security: bearer, request: jsonBody(ReplayFilter), responses: described(202, 'Queued again, with how many') }),
    async (c) => {
      const f = c.req.valid('json');
      const replayed = await replayKept(deps, await keptEvents(sql, c.var.actor.orgId, f));
      audit(c.var.em, auditActor(c), { action: 'webhook_event.replay_all', targetType: 'webhook_event', details: { outcome: f.outcome, channelId: f.channelId ?? null, replayed } });
      await c.var.em.flush();
      return c.json({ ok: true, replayed }, 202);
    });
  return app;
}
