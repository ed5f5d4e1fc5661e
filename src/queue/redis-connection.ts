import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Every Redis connection the hub makes is one of these: a single Redis or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Some of a Redis Cluster's nodes (the rest are discovered from them) and what every node is reached with. */
export type RedisClusterTarget = { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

/** Where the hub's Redis is. */
export type RedisTarget = { url: string } | { cluster: RedisClusterTarget };

/** The longest a producer's command may take before it counts as failed. */
export const PRODUCER_TIMEOUT_MS = 5000;

/** What a connection is for, and the options that follow from it. */
const USES = {
  /** Commands and pub/sub; waits out an outage rather than failing (BullMQ also needs maxRetriesPerRequest: null). */
  main: { maxRetriesPerRequest: null },
  /**
   * Queue producers fail fast when Redis is away (no offline queue, a command timeout), so a webhook
   * is answered 503 and redelivered by its platform instead of hanging or being lost.
   */
  producer: { maxRetriesPerRequest: null, enableOfflineQueue: false, commandTimeout: PRODUCER_TIMEOUT_MS },
  /** Live events, one PUBLISH per message: auto-pipelining sends a tick's worth in one write. */
  publisher: { maxRetriesPerRequest: null, enableAutoPipelining: true },
  /** A BullMQ worker's connection (it blocks on it). */
  worker: { maxRetriesPerRequest: null },
  /** Asking a server that is starting whether it answers yet (connected by hand, retried quickly). */
  probe: { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 },
} satisfies Record<string, RedisOptions>;

export type RedisUse = keyof typeof USES;

export const isCluster = (target: RedisTarget): target is { cluster: RedisClusterTarget } => 'cluster' in target;

/**
 * The one place a Redis connection is made. On a cluster, `sharded` adds one subscriber per
 * master for SSUBSCRIBE (sharded pub/sub, Redis >= 7: a channel lives on the node of its slot).
 */
export function connectRedis(target: RedisTarget, use: RedisUse, opts: { sharded?: boolean } = {}): RedisClient {
  const options: RedisOptions = USES[use];
  if (!isCluster(target)) return new Redis(target.url, options);
  const { nodes, username, password, tls } = target.cluster;
  return new Cluster(nodes, {
    // Node connections always queue while connecting (ioredis); the cluster's own queue is what a producer turns off.
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    shardedSubscribers: opts.sharded ?? false,
    enableAutoPipelining: options.enableAutoPipelining ?? false,
    redisOptions: { ...options, username, password, ...(tls ? { tls: {} } : {}) },
  });
}

/** A second connection like this one (a subscriber), on a cluster with sharded subscribers if asked. */
export function duplicateRedis(redis: RedisClient, opts: { sharded?: boolean } = {}): RedisClient {
  // Without auto-pipelining (the live-events connection's): a subscriber's commands go one by one.
  if (redis instanceof Cluster) return redis.duplicate([], { shardedSubscribers: opts.sharded ?? false, enableAutoPipelining: false });
  return redis.duplicate({ enableAutoPipelining: false });
}
