import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { inTransaction, withSql } from '../db/sql.js';
import type { NormalizedEvent } from '../../connectors/types.js';
import { Batcher } from './batcher.js';
import { deliveriesOf, requeueAlone, retryAloneOpts, type InboundDelivery, type IngestJobData } from './ingest.queue.js';
import type { ChannelRuntime } from './channel-cache.js';
import { addOutcome, emptyOutcome, persistBatch, recordFailedDelivery, type Changes, type DeliveryRecord, type IngestItem, type IngestOutcome } from './persist.js';
import { ChangePublisher, mergeChanges } from './change-publisher.js';
import { redactPayload } from './redact.js';
import { errorMessage, isInfrastructureError } from '../errors.js';
import { closeWorker, hubWorker } from './failure-policy.js';
import { clampFutureTimestamps } from './event-sanity.js';

export type IngestHooks = { afterCommit(changes: Changes): Promise<void> };

export type IngestOptions = {
  workers: number;
  concurrency: number;
  /** The most events one transaction (a lane's share of a batch) applies, about. */
  batchEvents: number;
  /** A delivery with more events is applied in chunks of this size, one after the other. */
  chunkEvents: number;
  /**
   * How long an idle batcher waits for company. 0 (the next timer tick): the batches still grow
   * with the load, from what arrives while a transaction runs, and a quiet pipeline adds no wait.
   */
  maxWaitMs: number;
  /**
   * Transactions a batch runs at once, one per lane: a contact's events always take the same
   * lane (in their order), so the transactions never wait on each other's rows, and the worker's
   * JavaScript runs while Postgres executes another lane's statements.
   */
  lanes: number;
  /**
   * A batch smaller than this runs as one transaction (lanes or not: a contact's events are in
   * it in their order): each transaction has a fixed cost of round trips and planning, about
   * 9 ms here, which two small ones at once only add up.
   */
  laneSplitEvents: number;
};

const LARGE_PAYLOAD_BYTES = 64 * 1024;

/** An ingest item with the lane its events keep to. */
type LaneItem = IngestItem & { lane: number };

export const INGEST_DEFAULTS: IngestOptions = { workers: 4, concurrency: 256, batchEvents: 512, chunkEvents: 128, maxWaitMs: 0, lanes: 2, laneSplitEvents: 128 };

/**
 * Takes group jobs (deliveries that arrived together; one-delivery jobs of old too), parses each
 * delivery once with its channel's connector and persists many deliveries' events in one
 * transaction per lane; a job completes once its deliveries are committed (or, failing for a reason of
 * their own, re-queued alone), and is retried otherwise (by the failure policy: without using
 * an attempt while Postgres or Redis is away).
 *
 * Fairness: a large delivery goes in chunks, one chunk in a batch at a time, and organizations
 * share each batch round-robin, so one organization's flood delays another's messages by about
 * one batch at most.
 */
export function startIngestWorker(deps: Deps, hooks: IngestHooks, options: Partial<IngestOptions> = {}) {
  const opts = { ...INGEST_DEFAULTS, ...options };
  const publisher = new ChangePublisher(hooks.afterCommit, (err) => deps.log.warn({ err }, 'publishing after commit failed'));
  // Each batch runs as one transaction per lane, all at once; its changes are published together.
  const batcher = new Batcher<LaneItem, IngestOutcome>(
    async (items) => {
      const parts = laneParts(items, opts.laneSplitEvents);
      const results = await Promise.allSettled(parts.map((idx) => inTransaction(deps.orm, (sql) => persistBatch(sql, idx.map((i) => items[i]!)))));
      // A lane that committed is redone as a no-op when the batch is retried (its deliveries stay kept once).
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const outcomes: IngestOutcome[] = new Array(items.length);
      done.forEach((d, k) => parts[k]!.forEach((i, j) => (outcomes[i] = d.outcomes[j]!)));
      countOutcomes(deps, outcomes);
      publisher.push(done.map((d) => d.changes).reduce(mergeChanges));
      return outcomes;
    },
    {
      maxSize: opts.batchEvents * opts.lanes,
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

  const recordOf = (d: InboundDelivery): DeliveryRecord => ({
    jobId: d.key,
    payload: redactPayload(d.raw.body, d.raw.contentType),
    contentType: d.raw.contentType,
    retentionHours: deps.config.webhookRetentionHours,
  });

  /** A delivery parsed (once) and cut in chunks, with its payload to keep. */
  type Prepared = { channel: ChannelRuntime; chunks: NormalizedEvent[][]; record: DeliveryRecord };
  const prepare = async (d: InboundDelivery): Promise<Prepared> => {
    const channel = await deps.channels.get(d.channelId);
    // The channel was deleted meanwhile: nothing to attach the payload to.
    if (!channel) throw new UnrecoverableError(`channel ${d.channelId} no longer exists`);
    let events: NormalizedEvent[];
    try {
      events = await inTurn(d.raw.body.length, () => channel.connector.parse(d.raw, channel.credentials));
    } catch (err) {
      // Valid for the platform but not for us: keep it (replayable) and never retry forever.
      events = [{ type: 'unsupported', reason: `parse failed: ${(err as Error).message}` }];
    }
    events = clampFutureTimestamps(events, d.raw.receivedAt);
    const chunks: NormalizedEvent[][] = [];
    for (let i = 0; i < events.length; i += opts.chunkEvents) chunks.push(events.slice(i, i + opts.chunkEvents));
    if (!chunks.length) chunks.push([]);
    return { channel, chunks, record: await inTurn(d.raw.body.length, () => recordOf(d)) };
  };

  // Chunks one after the other (their order matters: a reaction after its message); the kept
  // payload, with what all chunks did, comes with the last one (after it, when that chunk spans
  // lanes). A retry redoes them idempotently. The first chunk is submitted at once (no await
  // before it), so deliveries enter the batcher in their order.
  const persist = async ({ channel, chunks, record }: Prepared): Promise<IngestOutcome> => {
    const done = emptyOutcome();
    const sofar = () => ({ ...record, prior: { ...done, failed: [...done.failed], notes: [...done.notes] } });
    for (const [i, chunk] of chunks.entries()) {
      const last = i === chunks.length - 1;
      const parts = byLane(channel.id, chunk, opts.lanes);
      if (parts.length === 1) {
        const [lane, events] = parts[0]!;
        addOutcome(done, await batcher.submit({ lane, channel, events, record: last ? sofar() : undefined }));
        continue;
      }
      for (const o of await Promise.all(parts.map(([lane, events]) => batcher.submit({ lane, channel, events })))) addOutcome(done, o);
      if (last) addOutcome(done, await batcher.submit({ lane: 0, channel, events: [], record: sofar() }));
    }
    return done;
  };

  /**
   * A job of one delivery (a group of one, a re-queued delivery, the old shape) fails as a whole,
   * under the failure policy. In a larger group each delivery stands alone: one that fails for a
   * reason of its own goes back as a job of its own and the group completes; Postgres or Redis
   * away retries the whole group (what was stored already is a no-op then).
   */
  const handle = async (job: Job<IngestJobData>) => {
    const deliveries = [...new Map(deliveriesOf(job).map((d) => [d.key, d])).values()];
    const prepared = await Promise.allSettled(deliveries.map(prepare));
    const results = await Promise.allSettled(prepared.map((p) => (p.status === 'fulfilled' ? persist(p.value) : Promise.reject(p.reason))));
    const done = emptyOutcome();
    const failed: { delivery: InboundDelivery; err: unknown }[] = [];
    results.forEach((r, i) => (r.status === 'fulfilled' ? addOutcome(done, r.value) : failed.push({ delivery: deliveries[i]!, err: r.reason })));
    if (!failed.length) return done;
    const outage = failed.find((f) => isInfrastructureError(f.err));
    if (outage) throw outage.err;
    if (deliveries.length === 1) throw failed[0]!.err;
    const alone = retryAloneOpts(job.opts);
    // No attempt left (a queue of one attempt): kept as failed now. A deleted channel's delivery goes
    // back too, and ends in the failed jobs at once (UnrecoverableError), as a job of its own did.
    if (alone) await requeueAlone(deps.queues.ingest, failed.map((f) => f.delivery), alone);
    else for (const f of failed) await keepFailed(f.delivery, f.err);
    deps.log.warn({ jobId: job.id, deliveries: deliveries.length, failed: failed.length, requeued: !!alone, err: errorMessage(failed[0]!.err) }, 'deliveries of a group failed');
    return done;
  };

  // A delivery that used its last attempt is kept as 'failed' (visible, replayable).
  const keepFailed = async (d: InboundDelivery, err: unknown) => {
    const channel = await deps.channels.get(d.channelId);
    if (channel) await withSql(deps.orm, (sql) => recordFailedDelivery(sql, channel, recordOf(d), errorMessage(err)));
  };
  const onLastFailure = async (job: Job<IngestJobData>, err: unknown) => {
    for (const d of deliveriesOf(job)) await keepFailed(d, err);
  };

  // A BullMQ worker takes its jobs one at a time; several of them feed one batcher faster.
  const workers = Array.from({ length: opts.workers }, () =>
    hubWorker<IngestJobData, IngestOutcome>(deps, 'ingest', handle, { concurrency: opts.concurrency, onLastFailure }));
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => closeWorker(deps, w)));
      await batcher.close();
      await publisher.idle();
    },
  };
}

/**
 * A chunk's events by lane, each lane's in their order: a contact's by a hash of channel and
 * contact. Events that name no contact (a status, edit or delete by message id alone, where the
 * platform does not say whose) take the first lane: one that overtakes its message, stored at
 * the same moment on another lane, finds it missing, as across two worker processes (a status
 * waits in pending_statuses for the maintenance sweep; an edit is kept as unsupported, replayable).
 */
export function byLane(channelId: string, events: NormalizedEvent[], lanes: number): [number, NormalizedEvent[]][] {
  if (lanes === 1 || !events.length) return [[0, events]];
  return [...groupBy(events, (e) => {
    const contact = contactOf(e);
    return contact === undefined ? 0 : laneOf(channelId, contact, lanes);
  })];
}

/** A batch's items (their indexes) by the transaction each goes in: one per lane, or all in one when the batch is small. */
function laneParts(items: LaneItem[], splitAbove: number): number[][] {
  const all = items.map((_, i) => i);
  if (items.reduce((n, it) => n + it.events.length, 0) < splitAbove) return [all];
  return [...groupBy(all, (i) => items[i]!.lane).values()];
}

/** Items by key, each group in the items' order (Node 20 has no Map.groupBy). */
function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function contactOf(e: NormalizedEvent): string | undefined {
  switch (e.type) {
    case 'message': case 'reaction': return e.contact.externalId;
    case 'watermark': case 'status': case 'edit': case 'delete': return e.contactExternalId;
    case 'unsupported': return undefined;
  }
}

/** FNV-1a over channel and contact. */
function laneOf(channelId: string, contact: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (const part of [channelId, contact]) {
    for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0, 0x01000193); // a zero byte between the two, so ('ab', 'c') and ('a', 'bc') differ
  }
  return (h >>> 0) % lanes;
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
