import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { inTransaction, withSql } from '../db/sql.js';
import type { NormalizedEvent } from '../../connectors/types.js';
import { Batcher } from './batcher.js';
import type { InboundJob } from './ingest.queue.js';
import { addOutcome, emptyOutcome, persistBatch, recordFailedDelivery, type Changes, type DeliveryRecord, type IngestItem, type IngestOutcome } from './persist.js';
import { ChangePublisher } from './change-publisher.js';
import { redactPayload } from './redact.js';
import { errorMessage, isInfrastructureError } from '../errors.js';
import { hubWorker } from './failure-policy.js';
import { clampFutureTimestamps } from './event-sanity.js';

export type IngestHooks = { afterCommit(changes: Changes): Promise<void> };

export type IngestOptions = {
  workers: number;
  concurrency: number;
  /** The most events one transaction applies. */
  batchEvents: number;
  /** A delivery with more events is applied in chunks of this size, one after the other. */
  chunkEvents: number;
  maxWaitMs: number;
};

const LARGE_PAYLOAD_BYTES = 64 * 1024;

export const INGEST_DEFAULTS: IngestOptions = { workers: 4, concurrency: 256, batchEvents: 512, chunkEvents: 128, maxWaitMs: 4 };

/**
 * Parses each queued payload with its channel's connector and persists many jobs' events in
 * one transaction; a job completes once its events are committed, and is retried otherwise
 * (by the failure policy: without using an attempt while Postgres or Redis is away).
 *
 * Fairness: a large delivery goes in chunks, one chunk in a batch at a time, and organizations
 * share each batch round-robin, so one organization's flood delays another's messages by about
 * one batch at most.
 */
export function startIngestWorker(deps: Deps, hooks: IngestHooks, options: Partial<IngestOptions> = {}) {
  const opts = { ...INGEST_DEFAULTS, ...options };
  const publisher = new ChangePublisher(hooks.afterCommit, (err) => deps.log.warn({ err }, 'publishing after commit failed'));
  const batcher = new Batcher<IngestItem, IngestOutcome>(
    async (items) => {
      const { outcomes, changes } = await inTransaction(deps.orm, (sql) => persistBatch(sql, items));
      countOutcomes(deps, outcomes);
      publisher.push(changes);
      return outcomes;
    },
    {
      maxSize: opts.batchEvents,
      maxWaitMs: opts.maxWaitMs,
      weigh: (it) => Math.max(1, it.events.length),
      fairBy: (it) => it.channel.orgId,
      retryAlone: (err) => !isInfrastructureError(err),
    },
  );

  // Parsing (and redacting) a large payload is a long stretch of CPU: one at a time, small jobs in between.
  let largeTurn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(size: number, fn: () => T | Promise<T>): Promise<T> => {
    if (size < LARGE_PAYLOAD_BYTES) return Promise.resolve(fn());
    const turn = largeTurn.then(() => new Promise((r) => setImmediate(r))).then(fn);
    largeTurn = turn.catch(() => undefined);
    return turn;
  };

  const recordOf = (job: Job<InboundJob>): DeliveryRecord => ({
    jobId: job.id!,
    payload: redactPayload(job.data.raw.body, job.data.raw.contentType),
    contentType: job.data.raw.contentType,
    retentionHours: deps.config.webhookRetentionHours,
  });

  const handle = async (job: Job<InboundJob>) => {
    const { channelId, raw } = job.data;
    const channel = await deps.channels.get(channelId);
    // The channel was deleted meanwhile: nothing to attach the payload to.
    if (!channel) throw new UnrecoverableError(`channel ${channelId} no longer exists`);
    let events: NormalizedEvent[];
    try {
      events = await inTurn(raw.body.length, () => channel.connector.parse(raw, channel.credentials));
    } catch (err) {
      // Valid for the platform but not for us: keep it (replayable) and never retry forever.
      events = [{ type: 'unsupported', reason: `parse failed: ${(err as Error).message}` }];
    }
    events = clampFutureTimestamps(events, raw.receivedAt);
    const chunks: NormalizedEvent[][] = [];
    for (let i = 0; i < events.length; i += opts.chunkEvents) chunks.push(events.slice(i, i + opts.chunkEvents));
    if (!chunks.length) chunks.push([]);
    // Chunks one after the other (their order matters: a reaction after its message); the kept
    // payload, with what all chunks did, comes with the last one. A retry redoes them idempotently.
    const done = emptyOutcome();
    for (const [i, chunk] of chunks.entries()) {
      const last = i === chunks.length - 1;
      const record = last ? { ...(await inTurn(raw.body.length, () => recordOf(job))), prior: { ...done, failed: [...done.failed], notes: [...done.notes] } } : undefined;
      addOutcome(done, await batcher.submit({ channel, events: chunk, record }));
    }
    return done;
  };

  // A delivery that used its last attempt is kept as 'failed' (visible, replayable).
  const onLastFailure = async (job: Job<InboundJob>, err: unknown) => {
    const channel = await deps.channels.get(job.data.channelId);
    if (channel) await withSql(deps.orm, (sql) => recordFailedDelivery(sql, channel, recordOf(job), errorMessage(err)));
  };

  // A BullMQ worker takes its jobs one at a time; several of them feed one batcher faster.
  const workers = Array.from({ length: opts.workers }, () =>
    hubWorker<InboundJob, IngestOutcome>(deps, 'ingest', handle, { concurrency: opts.concurrency, onLastFailure }));
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
    if (o.failed.length) m.inc({ type: 'event', outcome: 'failed' }, o.failed.length);
  }
}
