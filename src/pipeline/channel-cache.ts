import type { MikroORM } from '@mikro-orm/postgresql';
import { duplicateRedis, type RedisClient } from '../queue/redis-connection.js';
import { isId } from '../domain/owned.js';
import { connectorFor } from '../../connectors/registry.js';
import type { Connector } from '../../connectors/types.js';
import type { SecretBox } from '../security/crypto.js';
import type { ChannelInfo } from './persist.js';
import { Lru } from './lru.js';
import { sqlOf } from '../db/sql.js';
import { channelRow } from '../db/channels.js';
import type { RedisKeys } from '../queue/redis-keys.js';

/**
 * `status`: only its health changed (setChannelState), so a running poller keeps running;
 * `logout`: an admin ended its platform login (WhatsApp Web), the poller logs out and restarts.
 */
export type ChannelChange = 'all' | 'status' | 'logout';

export type ChannelRuntime = ChannelInfo & { status: string; name: string; credentials: any; connector: Connector };

/**
 * Channels with their credentials opened, kept briefly in memory: webhooks and workers look a
 * channel up on every delivery. A change anywhere is announced on Redis and drops the entry
 * in every process. Only channels that exist are kept, and at most `maxEntries` of them, so
 * requests for made-up ids (anyone can send them) cannot grow it.
 *
 * During a Postgres outage an entry still answers until it expires: the webhook route then
 * queues deliveries Redis holds safely, and the ingest worker waits for Postgres to store them.
 */
export class ChannelCache {
  private readonly entries: Lru<string, { value: ChannelRuntime; expires: number }>;
  private sub?: RedisClient;
  private readonly listeners: ((id: string, what: ChannelChange) => void)[] = [];

  constructor(
    private readonly orm: MikroORM,
    private readonly box: SecretBox,
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly ttlMs = 30_000,
    maxEntries = 10_000,
  ) {
    this.entries = new Lru(maxEntries);
  }

  /** How many channels are held now. */
  get size(): number {
    return this.entries.size;
  }

  async listen(): Promise<void> {
    this.sub = duplicateRedis(this.redis);
    this.sub.on('error', () => undefined); // reconnects by itself; the main connection logs
    this.sub.on('message', (_channel: string, message: string) => {
      const [id = '', what = 'all'] = message.split(' ') as [string, ChannelChange?];
      this.entries.delete(id);
      for (const l of this.listeners) l(id, what);
    });
    await this.sub.subscribe(this.keys.channelChanged);
  }

  /** Called in this process whenever any process announces a change. */
  onChange(listener: (id: string, what: ChannelChange) => void): void {
    this.listeners.push(listener);
  }

  /** Tells every process that a channel changed (credentials, status, deletion). */
  async changed(id: string, what: ChannelChange = 'all'): Promise<void> {
    this.entries.delete(id);
    await this.redis.publish(this.keys.channelChanged, what === 'all' ? id : `${id} ${what}`);
  }

  async get(id: string): Promise<ChannelRuntime | null> {
    const hit = this.entries.get(id);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = isId(id) ? await this.load(id) : null;
    if (value) this.entries.set(id, { value, expires: Date.now() + this.ttlMs });
    else this.entries.delete(id);
    return value;
  }

  private async load(id: string): Promise<ChannelRuntime | null> {
    const row = await channelRow(sqlOf(this.orm), id);
    if (!row) return null;
    return {
      id: row.id,
      orgId: row.organization_id,
      kind: row.kind,
      platform: row.platform,
      name: row.name,
      status: row.status,
      credentials: this.box.openJson(row.credentials),
      connector: connectorFor(row.kind),
    };
  }

  async close(): Promise<void> {
    this.sub?.disconnect();
  }
}
