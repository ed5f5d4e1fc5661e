import { DelayedError, Worker, type Job, type Processor } from 'bullmq';
import type { Deps } from '../context.js';
import type { QueueName } from '../queue/queues.js';
import { errorMessage, isInfrastructureError } from '../errors.js';

/** Backoff while Postgres or Redis is away: grows with the outage, capped, with jitter. */
export const INFRA_BACKOFF = { minMs: 500, maxMs: 15_000, logEveryMs: 30_000 };

/** One queue's view of an outage in this process: when it began, and when it was last logged. */
class OutageWatch {
  private since?: number;
  private lastLog = 0;
  private retries = 0;

  constructor(private readonly deps: Deps, private readonly queue: QueueName) {}

  /** Counts one job put back because of `err`, and says how long it should wait. */
  waitFor(err: unknown): number {
    const now = Date.now();
    this.since ??= now;
    this.retries++;
    this.deps.metrics.infraRetries.inc({ queue: this.queue });
    this.deps.metrics.infraWaiting.set({ queue: this.queue }, 1);
    if (now - this.lastLog >= INFRA_BACKOFF.logEveryMs) {
      this.lastLog = now;
      this.deps.log.warn(
        { queue: this.queue, err: errorMessage(err), waitingForS: Math.round((now - this.since) / 1000), retries: this.retries },
        'database or queue unreachable: jobs wait and retry, no attempt is used',
      );
    }
    const grown = Math.min(INFRA_BACKOFF.maxMs, Math.max(INFRA_BACKOFF.minMs, (now - this.since) / 2));
    return Math.round(grown * (0.75 + Math.random() * 0.5));
  }

  /** A job went through: the outage, if there was one, is over. */
  ok(): void {
    if (this.since === undefined) return;
    this.deps.log.info({ queue: this.queue, outageS: Math.round((Date.now() - this.since) / 1000), retries: this.retries }, 'database and queue reachable again');
    this.since = undefined;
    this.retries = 0;
    this.lastLog = 0;
    this.deps.metrics.infraWaiting.set({ queue: this.queue }, 0);
  }
}

const watches = new WeakMap<Deps, Map<QueueName, OutageWatch>>();
function watchFor(deps: Deps, queue: QueueName): OutageWatch {
  let byQueue = watches.get(deps);
  if (!byQueue) watches.set(deps, (byQueue = new Map()));
  let w = byQueue.get(queue);
  if (!w) byQueue.set(queue, (w = new OutageWatch(deps, queue)));
  return w;
}

/**
 * The hub's one failure policy, for every queue's worker:
 * - Postgres or Redis unreachable (see isInfrastructureError): the job goes back to the delayed
 *   set without using an attempt, for as long as the outage lasts, with a metric and a log line.
 *   If Redis itself is gone, the job's lock lapses and BullMQ's stall check puts it back; stalls
 *   never fail a job (the processors are idempotent), so no outage length drops one.
 * - Anything else is the payload's fault and uses one of the queue's attempts; `onLastFailure`
 *   runs before the last one ends in the failed set (to make it visible and replayable).
 */
export function hubWorker<D, R>(
  deps: Deps,
  queue: QueueName,
  processor: Processor<D, R>,
  opts: { concurrency: number; onLastFailure?: (job: Job<D, R>, err: unknown) => Promise<void> },
): Worker<D, R> {
  const watch = watchFor(deps, queue);
  const worker = new Worker<D, R>(
    queue,
    async (job, token, signal) => {
      try {
        const result = await processor(job, token, signal);
        watch.ok();
        return result;
      } catch (err) {
        let failure = err;
        const last = (err instanceof Error && err.name === 'UnrecoverableError') || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (last && opts.onLastFailure && !isInfrastructureError(err)) {
          // Recording the failure needs Postgres too: if it is gone, the job waits like any other.
          failure = await opts.onLastFailure(job, err).then(() => err, (e: unknown) => (isInfrastructureError(e) ? e : err));
        }
        if (isInfrastructureError(failure)) {
          await job.moveToDelayed(Date.now() + watch.waitFor(failure), token).catch(() => undefined);
          throw new DelayedError();
        }
        throw failure;
      }
    },
    {
      connection: deps.queues.connection(),
      prefix: deps.queues.prefix,
      concurrency: opts.concurrency,
      maxStalledCount: 1_000_000,
      // A job whose worker died is taken up again within about 20 s instead of BullMQ's 30-60 s
      // (a live worker renews its locks every lockDuration / 2, however long the job runs).
      lockDuration: 15_000,
      stalledInterval: 5_000,
    },
  );
  worker.on('failed', (job, err) => deps.log.warn({ queue, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
  worker.on('error', (err) => deps.log.error({ queue, err: err.message }, 'worker error'));
  return worker;
}

/** How long a worker's close waits for its jobs and connections before it lets go. */
export const WORKER_CLOSE_TIMEOUT_MS = 10_000;

/**
 * Closes a worker, letting in-flight jobs finish, but never for longer than `timeoutMs`:
 * BullMQ's close can wait forever for a connection's end after a Redis (Cluster) outage
 * (taskforcesh/bullmq#4656, #2430). Past the bound its connections are cut; a job still
 * running is taken up again by the stall check elsewhere (the processors are idempotent).
 */
export async function closeWorker(deps: Pick<Deps, 'log'>, worker: Worker, timeoutMs = WORKER_CLOSE_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = worker.close().then(() => true, () => true);
  const inTime = await Promise.race([closed, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  if (inTime) return;
  deps.log.warn({ queue: worker.name, timeoutMs }, 'worker did not close in time: its connections are cut');
  await worker.disconnect().catch(() => undefined);
}
