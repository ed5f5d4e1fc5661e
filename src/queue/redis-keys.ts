/**
 * Every Redis key and pub/sub channel the hub uses, all under QUEUE_PREFIX, so hubs sharing a
 * Redis never see each other's. BullMQ builds its own keys from the same prefix (queues.ts),
 * hash-tagged on a cluster (queuePrefixOn). On a cluster, keys one MULTI or script touches
 * together must share a slot: a `{...}` tag in them says which part decides it.
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    /** Socket.IO adapter and emitter traffic. */
    socketIo: `${prefix}:socket.io`,
    /** Pub/sub: a channel changed (credentials, status, deletion); its id is the message. */
    channelChanged: `${prefix}:channel-changed`,
    /** Pub/sub: a user's standing changed; their id is the message. */
    sessionRevoked: `${prefix}:session-revoked`,
    /** The lease of the one process that polls a pull channel. */
    pullLease: (channelId: string) => `${prefix}:pull-lease:${channelId}`,
    /** A user's live sockets (sorted set, score = lease expiry). */
    presence: (orgId: string, userId: string) => `${prefix}:presence:${orgId}:${userId}`,
    /** Key prefix of a sign-in rate limiter (rate-limiter-flexible appends the account or address). */
    loginLimiter: (name: 'account' | 'address') => `${prefix}:login-${name}`,
    /** Key prefix of a website live chat rate limiter. */
    widgetLimiter: (name: 'visitor' | 'session' | 'address') => `${prefix}:widget-${name}`,
    /** Pub/sub: an outgoing message for a visitor's widgets ({visitorId, messageId}). */
    widgetDeliver: `${prefix}:widget-deliver`,
    /** Set when an agent writes: their reads stay on the primary while it lives (src/domain/replica-reads.ts). */
    freshReads: (userId: string) => `${prefix}:fresh-reads:${userId}`,
    /** A user's uploads in progress and started this hour: counted in one MULTI, so one slot per user. */
    uploadsActive: (userId: string) => `${prefix}:uploads:active:{${userId}}`,
    uploadsInHour: (userId: string, hourStart: number) => `${prefix}:uploads:hour:{${userId}}:${hourStart}`,
  };
}

/**
 * BullMQ's prefix. On a Redis Cluster a queue's keys, which its scripts use together, must share
 * one slot: the prefix becomes a hash tag (`hub` -> `{hub}`, BullMQ's advice), unless it has one.
 * The hub's other keys keep the plain prefix, so they spread over the cluster's nodes.
 */
export function queuePrefixOn(prefix: string, cluster: boolean): string {
  return cluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

export type RedisKeys = ReturnType<typeof redisKeys>;
