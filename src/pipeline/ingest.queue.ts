import { createHash } from 'node:crypto';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { RawInbound } from '../../connectors/types.js';
import type { Queues } from '../queue/queues.js';
import { Batcher } from './batcher.js';
import { QueueUnavailableError } from '../errors.js';

/**
 * One delivery as it travels in a group job. `key` is its own id (what its job id was when each
 * delivery was a job of its own): the key of its kept payload, and of its job if it is re-queued alone.
 */
export type InboundDelivery = { channelId: string; deliveryId: string; key: string; raw: RawInbound };

/** A queue job: the deliveries that arrived together. */
export type InboundGroupJob = { deliveries: InboundDelivery[] };

/** The shape queued before groups, one delivery per job (its job id is its key): still taken from a backlog. */
export type InboundJob = { channelId: string; deliveryId: string; raw: RawInbound };

export type IngestJobData = InboundGroupJob | InboundJob;

/** BullMQ job ids may not contain ':'; a hash keeps them short and safe. */
export const inboundJobId = (channelId: string, deliveryId: string) =>
  `in-${channelId}-${createHash('sha256').update(deliveryId).digest('base64url').slice(0, 32)}`;

/** The deliveries a job carries, whichever shape it was queued in. */
export function deliveriesOf(job: Pick<Job<IngestJobData>, 'id' | 'data'>): InboundDelivery[] {
  const d = job.data;
  if ('deliveries' in d) return d.deliveries;
  return [{ channelId: d.channelId, deliveryId: d.deliveryId, key: job.id!, raw: d.raw }];
}

/**
 * A group job holds at most 100 deliveries, fewer large ones (a delivery weighs one more per
 * 16 KiB, so a job stays near 1.6 MB); the first of a group waits at most 2 ms for company when
 * nothing else is being queued.
 */
export const GROUP = { maxWeight: 100, bytesPerWeight: 16 * 1024, maxWaitMs: 2 };

/**
 * Deliveries this process queued lately (the last 5,000 to 10,000, about as many as completed
 * jobs Redis keeps): a redelivery among them waits on the first. Two generations of a plain Map,
 * the older dropped whole, cost less per webhook than an LRU's reordering.
 */
class Recent {
  private current = new Map<string, Promise<void>>();
  private older = new Map<string, Promise<void>>();

  constructor(private readonly generation: number) {}

  get(key: string): Promise<void> | undefined {
    return this.current.get(key) ?? this.older.get(key);
  }

  set(key: string, queued: Promise<void>): void {
    if (this.current.size >= this.generation) {
      this.older = this.current;
      this.current = new Map();
    }
    this.current.set(key, queued);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.older.delete(key);
  }
}

type Producer = { adder: Batcher<InboundDelivery, void>; recent: Recent };
const producers = new WeakMap<Queue, Producer>();

function producerFor(queue: Queue): Producer {
  let p = producers.get(queue);
  if (!p) {
    p = {
      // One flush at a time: what arrives meanwhile is the next group, so the busier, the larger the groups.
      adder: new Batcher<InboundDelivery, void>(
        async (items) => {
          await addGroup(queue, [...new Map(items.map((d) => [d.key, d])).values()]);
          return items.map(() => undefined);
        },
        {
          maxSize: GROUP.maxWeight,
          maxWaitMs: GROUP.maxWaitMs,
          weigh: (d) => 1 + Math.floor(d.raw.body.length / GROUP.bytesPerWeight),
          // A group Redis did not take is refused whole (503, redelivered), never split up.
          retryAlone: () => false,
        },
      ),
      recent: new Recent(5_000),
    };
    producers.set(queue, p);
  }
  return p;
}

/** One job for the whole group (one Redis script): the group is in Redis whole or not at all. */
async function addGroup(queue: Queue, deliveries: InboundDelivery[]): Promise<void> {
  await queue.add('inbound', { deliveries } satisfies InboundGroupJob);
}

/**
 * Queues one raw inbound payload and resolves once Redis has it, in a group job with the
 * deliveries arriving at the same moment. Rejects (QueueUnavailableError) when Redis does not
 * confirm within `timeoutMs`: a group that lands after all is no harm, its deliveries are idempotent.
 * The same delivery again while its first is being queued or lately was (in this process) is
 * the same job; any later one is a job that stores nothing new (the delivery's key keeps it once).
 */
export function enqueueInbound(queues: Queues, channelId: string, deliveryId: string, raw: RawInbound, timeoutMs = 800): Promise<void> {
  const { adder, recent } = producerFor(queues.ingest);
  const key = inboundJobId(channelId, deliveryId);
  let queued = recent.get(key);
  if (!queued) {
    const submitted = adder.submit({ channelId, deliveryId, key, raw });
    recent.set(key, submitted);
    // Not in Redis: a redelivery must be queued anew.
    submitted.catch(() => recent.delete(key));
    queued = submitted;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([
    queued.catch((err: unknown) => {
      throw new QueueUnavailableError((err as Error).message);
    }),
    late,
  ]).finally(() => clearTimeout(timer));
}

/**
 * A delivery that failed in a group (for a reason of its own) goes back alone, as a job whose
 * attempts go on from the group's: one attempt used, the next after the queue's backoff.
 * Undefined when it has no attempt left.
 */
export function retryAloneOpts(group: JobsOptions): JobsOptions | undefined {
  const attempts = (group.attempts ?? 1) - 1;
  if (attempts < 1) return undefined;
  const b = typeof group.backoff === 'number' ? { type: 'fixed', delay: group.backoff } : group.backoff;
  const delay = b?.delay ?? 0;
  // Exponential: this job's n-th retry is the delivery's (n+1)-th, twice as far apart.
  const backoff = b && b.type === 'exponential' ? { ...b, delay: delay * 2 } : b;
  return { ...group, jobId: undefined, attempts, delay, backoff };
}

/** Re-queues failed deliveries, each a one-delivery job named by its key (so a group retried later does not queue it twice). */
export async function requeueAlone(queue: Queue, deliveries: InboundDelivery[], opts: JobsOptions): Promise<void> {
  if (!deliveries.length) return;
  await queue.addBulk(deliveries.map((d) => ({ name: 'inbound', data: { deliveries: [d] } satisfies InboundGroupJob, opts: { ...opts, jobId: `${d.key}-alone` } })));
}
