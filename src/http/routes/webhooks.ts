import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { Deps } from '../../context.js';
import type { WebhookRequest } from '../../../connectors/types.js';
import { enqueueInbound } from '../../pipeline/ingest.queue.js';
import { AppError, notFound } from '../../errors.js';
import { rawHeaders, readRawBody } from '../raw-body.js';

/**
 * `GET|POST /webhooks/:channelId`: the channel's connector verifies the request on the raw
 * bytes; an accepted body is queued as is (its delivery id makes a redelivery the same job)
 * and answered at once. Nothing is stored or queued for a request that is refused.
 */
export function webhookRoutes(deps: Deps, policyHeaders: Promise<Record<string, string>>) {
  const app = new Hono();
  // Built as plain objects (no web Headers per answer): the Node adapter writes them as they are.
  const answer = async (status: number, body: string, type: string) =>
    new Response(body, { status, headers: { ...(await policyHeaders), 'content-type': type } });
  app.on(['GET', 'POST'], '/webhooks/:channelId', async (c) => {
    const channel = await deps.channels.get(c.req.param('channelId'));
    const webhook = channel?.connector.webhook;
    if (!channel || !webhook || channel.status === 'disabled') throw notFound('Channel');
    const kind = channel.kind;

    const url = new URL(c.req.url);
    const rawBody = await readRawBody(c, deps.config.bodyLimitBytes);
    const req: WebhookRequest = {
      method: c.req.method as 'GET' | 'POST',
      url: deps.publicUrl + url.pathname + url.search,
      query: Object.fromEntries(url.searchParams),
      headers: rawHeaders(c),
      rawBody,
    };
    const verdict = webhook.verify(req, channel.credentials);
    if (verdict.kind === 'reject') {
      deps.metrics.webhooks.inc({ kind, outcome: 'rejected' });
      throw new AppError(verdict.status, verdict.status === 401 ? 'invalid_signature' : 'forbidden', verdict.reason);
    }
    if (verdict.kind === 'respond') return answer(verdict.status, verdict.body, 'text/plain; charset=UTF-8');
    if (req.method !== 'POST') throw new AppError(405, 'method_not_allowed', 'POST the platform payload here');

    const body = rawBody.toString('utf8');
    if (!wellFormed(webhook.bodyFormat, body)) {
      deps.metrics.webhooks.inc({ kind, outcome: 'malformed' });
      throw new AppError(400, 'malformed_body', `The body is not valid ${webhook.bodyFormat === 'json' ? 'JSON' : 'form data'}`);
    }
    const deliveryId = webhook.deliveryId?.(req) ?? createHash('sha256').update(rawBody).digest('base64url');
    await enqueueInbound(deps.queues, channel.id, deliveryId, { body, contentType: req.headers['content-type'], receivedAt: Date.now() });
    deps.metrics.webhooks.inc({ kind, outcome: 'accepted' });
    return answer(200, JSON.stringify(webhook.reply?.(req) ?? { ok: true }), 'application/json');
  });
  return app;
}

function wellFormed(format: 'json' | 'form', body: string): boolean {
  if (format === 'form') return body.length === 0 || /^[^=&]+=[^&]*(&[^=&]+=[^&]*)*$/.test(body.trim());
  try {
    const v = JSON.parse(body);
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}
