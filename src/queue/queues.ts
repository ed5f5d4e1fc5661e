import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { connectRedis, isCluster, type RedisTarget } from './redis-connection.js';
import { queuePrefixOn } from './redis-keys.js';

/** Every queue the hub uses, by name. Workers live in src/pipeline. */
export const QUEUE_NAMES = ['ingest', 'outbound', 'media', 'profile', 'bot', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

const defaults: Record<QueueName, JobsOptions> = {
  // A completed ingest job is a group of up to 100 payloads (pipeline/ingest.queue.ts): Redis keeps the last thousand, for a look on the board.
  ingest: { attempts: 8, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 3600, count: 1_000 }, removeOnFail: { age: 7 * 86400 } },
  // Three retries 1, 2 and 4 s apart: a send that cannot go through shows failed within about 10 s.
  outbound: { attempts: 4, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 86400 } },
  media: { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 86400 } },
  profile: { attempts: 4, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } },
  bot: { attempts: 2, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } },
  maintenance: { removeOnComplete: 100, removeOnFail: 100 },
};

export type Queues = Record<QueueName, Queue> & {
  /** BullMQ's key prefix: QUEUE_PREFIX, hash-tagged on a cluster (redis-keys.ts). */
  prefix: string;
  /** A new connection for a worker (BullMQ blocks on it). */
  connection(): ConnectionOptions;
  /** Resolves once every queue's connection is set up (a queue closed before that rejects unhandled inside BullMQ). */
  ready(): Promise<void>;
  close(): Promise<void>;
};

export function createQueues(target: RedisTarget, queuePrefix: string): Queues {
  const prefix = queuePrefixOn(queuePrefix, isCluster(target));
  const shared = connectRedis(target, 'producer');
  shared.on('error', () => undefined); // reconnects by itself; the hub's main connection logs outages
  const queues = Object.fromEntries(
    // Connection errors are the shared connection's (reconnecting by itself), not each queue's to print.
    QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: shared, prefix, defaultJobOptions: defaults[name] }).on('error', () => undefined)]),
  ) as Record<QueueName, Queue>;
  return {
    ...queues,
    prefix,
    connection: () => connectRedis(target, 'worker').on('error', () => undefined),
    async ready() {
      await Promise.all(Object.values(queues).map((q) => q.waitUntilReady()));
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      shared.disconnect();
    },
  };
}
