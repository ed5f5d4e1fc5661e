import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RawInbound } from '../../connectors/types.js';
import type { Queues } from '../queue/queues.js';
import { Batcher } from './batcher.js';
import { QueueUnavailableError } from '../errors.js';

export type InboundJob = { channelId: string; deliveryId: string; raw: RawInbound };

/** BullMQ job ids may not contain ':'; a hash keeps them short and safe. */
export const inboundJobId = (channelId: string, deliveryId: string) =>
  `in-${channelId}-${createHash('sha256').update(deliveryId).digest('base64url').slice(0, 32)}`;

type Pending = { data: InboundJob; jobId: string };
const adders = new WeakMap<Queue, Batcher<Pending, void>>();

/** Webhooks arriving together are queued with one Redis round trip (addBulk). */
function adderFor(queue: Queue): Batcher<Pending, void> {
  let adder = adders.get(queue);
  if (!adder) {
    adder = new Batcher<Pending, void>(
      async (items) => {
        await queue.addBulk(items.map((i) => ({ name: 'inbound', data: i.data, opts: { jobId: i.jobId } })));
        return items.map(() => undefined);
      },
      { maxSize: 500, maxWaitMs: 0 },
    );
    adders.set(queue, adder);
  }
  return adder;
}

/**
 * Queues one raw inbound payload and resolves once Redis has it; the same delivery twice is
 * one job. Rejects (QueueUnavailableError) when Redis does not confirm within `timeoutMs`: a job
 * that lands after all is no harm, its redelivery is the same job.
 */
export function enqueueInbound(queues: Queues, channelId: string, deliveryId: string, raw: RawInbound, timeoutMs = 800): Promise<void> {
  const queued = adderFor(queues.ingest).submit({ data: { channelId, deliveryId, raw }, jobId: inboundJobId(channelId, deliveryId) });
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
