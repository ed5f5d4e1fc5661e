import type { RedisClient } from '../queue/redis-connection.js';
import type { Publisher } from './publisher.js';
import { rooms } from './publisher.js';
import type { RedisKeys } from '../queue/redis-keys.js';

const LEASE_MS = 90_000;
const RENEW_MS = 30_000;

/**
 * Agents' presence across every API process. Each open socket holds a lease in a per-user
 * sorted set (score = expiry), renewed while it lives; the first live socket makes a user
 * online, the last one closing makes them offline. Sockets of a process that died lapse on
 * their own, so presence heals instead of drifting.
 */
export class Presence {
  private readonly local = new Map<string, { orgId: string; userId: string }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly redis: RedisClient, private readonly publisher: Publisher, private readonly keys: RedisKeys) {
    this.timer = setInterval(() => void this.renew(), RENEW_MS).unref();
  }

  /** Adds or removes a socket's lease and counts the live ones, in one transaction (racing sockets see distinct counts). */
  private async change(orgId: string, userId: string, socketId: string, add: boolean): Promise<number> {
    const key = this.keys.presence(orgId, userId);
    const tx = this.redis.multi();
    if (add) tx.zadd(key, Date.now() + LEASE_MS, socketId).pexpire(key, LEASE_MS);
    else tx.zrem(key, socketId);
    const results = await tx.zremrangebyscore(key, '-inf', Date.now()).zcard(key).exec();
    return Number(results?.at(-1)?.[1] ?? 0);
  }

  async connected(orgId: string, userId: string, socketId: string) {
    this.local.set(socketId, { orgId, userId });
    if ((await this.change(orgId, userId, socketId, true)) === 1) this.announce(orgId, userId, 'online');
  }

  async disconnected(orgId: string, userId: string, socketId: string) {
    this.local.delete(socketId);
    if ((await this.change(orgId, userId, socketId, false)) === 0) this.announce(orgId, userId, 'offline');
  }

  set(orgId: string, userId: string, status: 'online' | 'away') {
    this.announce(orgId, userId, status);
  }

  /** Which of these users have a live socket anywhere. */
  async online(orgId: string, userIds: string[]): Promise<Set<string>> {
    const counts = await Promise.all(userIds.map((u) => this.redis.zcount(this.keys.presence(orgId, u), Date.now(), '+inf')));
    return new Set(userIds.filter((_, i) => counts[i]! > 0));
  }

  private async renew() {
    if (!this.local.size) return;
    const expiry = Date.now() + LEASE_MS;
    const byKey = new Map<string, (number | string)[]>();
    for (const [socketId, { orgId, userId }] of this.local) {
      const key = this.keys.presence(orgId, userId);
      byKey.set(key, [...(byKey.get(key) ?? []), expiry, socketId]);
    }
    // A pipeline per user: on a Redis Cluster one pipeline may only touch keys of one node.
    await Promise.all([...byKey].map(([key, leases]) => this.redis.pipeline().zadd(key, ...leases).pexpire(key, LEASE_MS).exec())).catch(() => undefined);
  }

  close() {
    clearInterval(this.timer);
  }

  private announce(orgId: string, userId: string, status: 'online' | 'away' | 'offline') {
    this.publisher.to([rooms.org(orgId)], 'presence', { userId, status });
  }
}
