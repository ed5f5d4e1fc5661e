import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { inTransaction } from '../db/sql.js';
import type { NormalizedEvent } from '../../connectors/types.js';
import { Batcher } from './batcher.js';
import type { InboundJob } from './ingest.queue.js';
import { persistBatch, type Changes, type IngestItem, type IngestOutcome } from './persist.js';
import { ChangePublisher } from './change-publisher.js';
import { redactPayload } from './redact.js';
import { watchFailedDeliveries } from './failed-deliveries.js';

export type IngestHooks = { afterCommit(changes: Changes): Promise<void> };

/**
 * Parses each queued payload with its channel's connector and persists many jobs' events in
 * one transaction; a job completes once its batch is committed, and is retried otherwise.
 */
export function startIngestWorker(deps: Deps, hooks: IngestHooks, opts = { workers: 4, concurrency: 256, batchSize: 512, maxWaitMs: 4 }) {
  const publisher = new ChangePublisher(hooks.afterCommit, (err) => deps.log.warn({ err }, 'publishing after commit failed'));
  const batcher = new Batcher<IngestItem, IngestOutcome>(
    async (items) => {
      const { outcomes, changes } = await inTransaction(deps.orm, (sql) => persistBatch(sql, items));
      countOutcomes(deps, outcomes);
      publisher.push(changes);
      return outcomes;
    },
    { maxSize: opts.batchSize, maxWaitMs: opts.maxWaitMs },
  );

  const handle = async (job: Job<InboundJob>) => {
    const { channelId, raw } = job.data;
    const channel = await deps.channels.get(channelId);
    // The channel was deleted meanwhile: nothing to attach the payload to.
    if (!channel) throw new UnrecoverableError(`channel ${channelId} no longer exists`);
    let events: NormalizedEvent[];
    try {
      events = await channel.connector.parse(raw, channel.credentials);
    } catch (err) {
      // Valid for the platform but not for us: keep it (replayable) and never retry forever.
      events = [{ type: 'unsupported', reason: `parse failed: ${(err as Error).message}` }];
    }
    return batcher.submit({
      channel,
      events,
      record: { jobId: job.id!, payload: redactPayload(raw.body, raw.contentType), contentType: raw.contentType, retentionHours: deps.config.webhookRetentionHours },
    });
  };
  // A BullMQ worker takes its jobs one at a time; several of them feed one batcher faster.
  const workers = Array.from({ length: opts.workers }, () =>
    new Worker<InboundJob, IngestOutcome>('ingest', handle, { connection: deps.queues.connection(), prefix: deps.queues.prefix, concurrency: opts.concurrency }));
  watchFailedDeliveries(deps, workers);
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await batcher.close();
      await publisher.idle();
    },
  };
}

function countOutcomes(deps: Deps, outcomes: IngestOutcome[]) {
  const m = deps.metrics.ingested;
  for (const o of outcomes) {
    if (o.created) m.inc({ type: 'message', outcome: 'created' }, o.created);
    if (o.duplicates) m.inc({ type: 'message', outcome: 'duplicate' }, o.duplicates);
    if (o.updated) m.inc({ type: 'update', outcome: 'applied' }, o.updated);
    if (o.unsupported) m.inc({ type: 'unsupported', outcome: 'kept' }, o.unsupported);
  }
}
