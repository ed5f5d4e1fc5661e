import type { MikroORM } from '@mikro-orm/postgresql';
import { duplicateRedis, type RedisClient } from '../queue/redis-connection.js';
import type { Publisher } from '../realtime/publisher.js';
import { rooms } from '../realtime/publisher.js';
import { sqlOf } from '../db/sql.js';
import { userStandings } from '../db/users.js';
import type { RedisKeys } from '../queue/redis-keys.js';

export type Standing = { orgId: string; role: string; disabled: boolean; tokenVersion: number };
export type SessionClaims = { userId: string; orgId: string; tokenVersion: number };

/**
 * Whether a session (a token's user and version) is still good, for sockets, which live
 * longer than a request. A user's standing is kept in memory for a few seconds; when it
 * changes (password, disable, delete, role) `revoked` drops it in every process through
 * Redis and disconnects the user's sockets on every node (the Socket.IO Redis adapter).
 * Should a pub/sub message be lost, the short TTL bounds how long a stale answer lives.
 */
export class Sessions {
  private readonly entries = new Map<string, { value: Standing | null; expires: number }>();
  private sub?: RedisClient;
  private readonly channel: string;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: RedisClient,
    private readonly publisher: Publisher,
    keys: RedisKeys,
    private readonly ttlMs = 5_000,
  ) {
    this.channel = keys.sessionRevoked;
  }

  async listen(): Promise<void> {
    this.sub = duplicateRedis(this.redis);
    this.sub.on('error', () => undefined); // reconnects by itself; the main connection logs
    this.sub.on('message', (_channel: string, userId: string) => this.entries.delete(userId));
    await this.sub.subscribe(this.channel);
  }

  async isCurrent(s: SessionClaims): Promise<boolean> {
    const standing = await this.standing(s.userId);
    return !!standing && !standing.disabled && standing.orgId === s.orgId && standing.tokenVersion === s.tokenVersion;
  }

  async standing(userId: string): Promise<Standing | null> {
    const hit = this.entries.get(userId);
    if (hit && hit.expires > Date.now()) return hit.value;
    await this.refresh([userId]);
    return this.entries.get(userId)!.value;
  }

  /** Reads these users' standings in one query (the periodic socket sweep) and caches them. */
  async refresh(userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)];
    if (!ids.length) return;
    const rows = await userStandings(sqlOf(this.orm), ids);
    const found = new Map<string, Standing>(rows.map((r) => [r.id, { orgId: r.organization_id, role: r.role, disabled: r.disabled, tokenVersion: r.token_version }]));
    const expires = Date.now() + this.ttlMs;
    for (const id of ids) this.entries.set(id, { value: found.get(id) ?? null, expires });
  }

  /** After a user's token version was raised (committed) or the user deleted: no session of theirs lives on. */
  async revoked(userId: string): Promise<void> {
    this.entries.delete(userId);
    this.publisher.disconnect([rooms.user(userId)]);
    await this.redis.publish(this.channel, userId);
  }

  close(): void {
    this.sub?.disconnect();
  }
}
