import type { Redis } from 'ioredis';
import type { Publisher } from './publisher.js';
import { rooms } from './publisher.js';

/**
 * Agents' presence across every API process: a per-organization count of open sockets per
 * user in Redis; the first socket makes a user online, the last one closing makes them offline.
 */
export class Presence {
  constructor(private readonly redis: Redis, private readonly publisher: Publisher) {}

  private key = (orgId: string) => `hub:presence:${orgId}`;

  async connected(orgId: string, userId: string) {
    if ((await this.redis.hincrby(this.key(orgId), userId, 1)) === 1) this.announce(orgId, userId, 'online');
  }

  async disconnected(orgId: string, userId: string) {
    const left = await this.redis.hincrby(this.key(orgId), userId, -1);
    if (left <= 0) {
      await this.redis.hdel(this.key(orgId), userId);
      this.announce(orgId, userId, 'offline');
    }
  }

  async set(orgId: string, userId: string, status: 'online' | 'away') {
    this.announce(orgId, userId, status);
  }

  async online(orgId: string): Promise<string[]> {
    return Object.keys(await this.redis.hgetall(this.key(orgId)));
  }

  private announce(orgId: string, userId: string, status: 'online' | 'away' | 'offline') {
    this.publisher.to([rooms.org(orgId)], 'presence', { userId, status });
  }
}
