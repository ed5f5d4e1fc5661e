import type { Job } from 'bullmq';
import type { Deps } from '../context.js';
import { errorMessage } from './errors.js';
import { enqueueInbound, type InboundJob } from './ingest.queue.js';
import { redactPayload } from './redact.js';

/** What a kept webhook payload may have come to; 'failed' ones are shown to admins for replay. */
export const WEBHOOK_OUTCOMES = ['received', 'stored', 'updated', 'duplicate', 'unsupported', 'ignored', 'failed', 'replayed'] as const;

/**
 * An ingest job that used up its attempts (or failed for good) leaves BullMQ's failed set for
 * the admin console too: its payload (redacted) and reason on a webhook_events row marked
 * 'failed', replayable like any kept payload. A row the job already wrote is left as it is.
 */
export async function recordFailedDelivery(deps: Deps, job: Job<InboundJob>, err: Error): Promise<void> {
  const { channelId, raw } = job.data;
  await deps.orm.em.getConnection().execute(
    `insert into webhook_events (id, created_at, updated_at, organization_id, channel_id, job_id, payload, content_type, outcome, detail, expires_at)
     select gen_random_uuid(), now(), now(), c.organization_id, c.id, ?, ?, ?, 'failed', ?, now() + make_interval(hours => ?)
     from channels c where c.id = ?
     on conflict (job_id) do nothing`,
    [
      job.id, redactPayload(raw.body, raw.contentType), raw.contentType ?? null,
      `${errorMessage(err)} (after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'})`,
      Math.ceil(deps.config.webhookRetentionHours), channelId,
    ],
  );
}

/** Listens on the ingest workers for jobs that failed for the last time. */
export function watchFailedDeliveries(deps: Deps, workers: { on(event: 'failed', fn: (job: Job<InboundJob> | undefined, err: Error) => void): unknown }[]) {
  for (const w of workers) {
    w.on('failed', (job, err) => {
      // finishedOn is set only when BullMQ gives up on the job (no retry left, or unrecoverable).
      if (!job?.finishedOn) return;
      deps.metrics.ingested.inc({ type: 'delivery', outcome: 'failed' });
      recordFailedDelivery(deps, job, err).catch((e) =>
        deps.log.error({ jobId: job.id, err: errorMessage(e) }, 'could not record a failed delivery; it stays in the ingest queue\'s failed set'));
    });
  }
}

type KeptRow = { id: string; channel_id: string; payload: string; content_type: string | null };

/**
 * Queues kept payloads through ingest again and marks them 'replayed'. Safe to repeat: what was
 * stored already is a no-op, as with any redelivery; a replay that fails again is a new 'failed' row.
 */
export async function replayKept(deps: Deps, rows: KeptRow[]): Promise<number> {
  const at = Date.now();
  await Promise.all(rows.map((r) => enqueueInbound(deps.queues, r.channel_id, `replay:${r.id}:${at}`, {
    body: r.payload,
    contentType: r.content_type ?? undefined,
    receivedAt: at,
  })));
  if (rows.length) {
    await deps.orm.em.getConnection().execute(
      `update webhook_events set outcome = 'replayed', updated_at = now() where id in (?) and outcome = 'failed'`,
      [rows.map((r) => r.id)],
    );
  }
  return rows.length;
}
