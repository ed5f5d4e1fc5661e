import { randomUUID } from 'node:crypto';
import type { PullHandle } from '../../connectors/types.js';
import type { ChannelPairing } from '../../contract/wire.js';
import type { Deps } from '../context.js';
import { enqueueInbound } from './ingest.queue.js';
import { QueueUnavailableError } from '../errors.js';
import { connectorContext } from './connector-context.js';
import { redisKeys } from '../queue/redis-keys.js';
import { sqlOf } from '../db/sql.js';
import { enabledChannelIds, pullCursor, savePullCursor } from '../db/channels.js';
import { setChannelState, type ChannelState } from '../domain/channel-state.js';
import { sessionStore } from '../domain/connector-sessions.js';

const LEASE_MS = 30_000;
const SCAN_MS = 10_000;

/**
 * Runs pull-based channels (IMAP IDLE, Telegram long polling) in the worker role: exactly one
 * poller per channel across every worker process, held by a renewed Redis lease; a channel
 * whose credentials change is restarted, and a process that stops hands its channels over.
 */
export class PullRunner {
  private readonly running = new Map<string, { kind: string; handle: Promise<PullHandle | undefined>; renew: NodeJS.Timeout }>();
  private readonly owner = randomUUID();
  /** Each channel's state writes, in the order its connector reported them. */
  private readonly states = new Map<string, Promise<void>>();
  private scanTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly deps: Deps) {}

  async start(): Promise<void> {
    // Timers and events here must never leave a rejection unhandled: it would end the process.
    const warn = (what: string) => (err: unknown) => this.deps.log.warn({ err }, what);
    // A health change (setChannelState, often the poller's own) needs no restart.
    this.deps.channels.onChange((id, what) => {
      if (what === 'all') void this.restart(id).catch(warn('pull restart failed'));
      if (what === 'logout') void this.logout(id).catch(warn('pull logout failed'));
    });
    await this.scan();
    this.scanTimer = setInterval(() => void this.scan().catch(warn('pull scan failed')), SCAN_MS);
  }

  private lease = (id: string) => redisKeys(this.deps.config.queuePrefix).pullLease(id);

  private async scan(): Promise<void> {
    const wanted = new Set<string>();
    for (const id of await enabledChannelIds(sqlOf(this.deps.orm))) {
      const channel = await this.deps.channels.get(id);
      if (channel?.connector.pull) wanted.add(id);
    }
    for (const id of this.running.keys()) if (!wanted.has(id)) await this.stopOne(id);
    for (const id of wanted) if (!this.running.has(id)) await this.tryStart(id);
  }

  private async tryStart(id: string): Promise<void> {
    if (this.stopped) return;
    // A kind that caps its sessions per process (a browser each): beyond it, another worker takes the channel.
    const channel = await this.deps.channels.get(id);
    const max = channel?.connector.pull?.maxPerProcess?.();
    if (!channel || (max !== undefined && [...this.running.values()].filter((r) => r.kind === channel.kind).length >= max)) return;
    const got = await this.deps.redis.set(this.lease(id), this.owner, 'PX', LEASE_MS, 'NX');
    if (got !== 'OK') return;
    const renew = setInterval(() => void this.renew(id).catch((err) => this.deps.log.warn({ err, channelId: id }, 'pull lease renewal failed')), LEASE_MS / 3);
    this.running.set(id, { kind: channel.kind, handle: this.launch(id), renew });
  }

  private async renew(id: string) {
    // Extend only a lease we still hold; otherwise another process took over: stop ours.
    const held = await this.deps.redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
      1, this.lease(id), this.owner, LEASE_MS,
    );
    if (!held) await this.stopOne(id, false);
  }

  private async launch(id: string): Promise<PullHandle | undefined> {
    const channel = await this.deps.channels.get(id);
    if (!channel?.connector.pull) return undefined;
    const { deps } = this;
    const sql = sqlOf(deps.orm);
    const cursor = await pullCursor(sql, id);
    const log = deps.log.child({ channelId: id, kind: channel.kind });
    const saveCursor = async (cursor: Record<string, unknown>) => {
      await savePullCursor(sql, id, cursor);
    };
    try {
      return await channel.connector.pull.start({
        ...connectorContext(deps, id),
        channelId: id,
        credentials: channel.credentials,
        cursor,
        log,
        emit: async (raw, deliveryId, cursor) => {
          // Redis away: wait for it here (capped backoff) rather than fail the connector's loop;
          // the cursor moves on only once the payload is queued.
          for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
            try {
              await enqueueInbound(deps.queues, id, deliveryId, raw);
              break;
            } catch (err) {
              if (this.stopped || !(err instanceof QueueUnavailableError)) throw err;
              log.warn({ err: (err as Error).message, waitMs }, 'queue unavailable: the pulled payload waits');
              await new Promise((r) => setTimeout(r, waitMs));
            }
          }
          if (cursor) await saveCursor(cursor);
        },
        saveCursor,
        session: sessionStore(deps, id),
        // One after another (across restarts too), so a quick pairing -> connecting -> active ends as the last one said.
        setState: (state, reason, pairing) => {
          const next = (this.states.get(id) ?? Promise.resolve()).then(() => this.setState(id, channel.orgId, state, reason, pairing)).catch((err) => log.warn({ err }, 'saving the channel state failed'));
          this.states.set(id, next);
        },
      });
    } catch (err) {
      log.warn({ err }, 'pull connector failed to start');
      await this.setState(id, channel.orgId, 'error', (err as Error).message);
      return undefined;
    }
  }

  private async setState(id: string, orgId: string, state: ChannelState, reason?: string, pairing?: ChannelPairing) {
    await setChannelState(this.deps, id, orgId, state, reason ?? null, pairing ?? null);
  }

  private async stopOne(id: string, release = true): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    clearInterval(entry.renew);
    await (await entry.handle)?.stop().catch(() => undefined);
    await this.states.get(id);
    this.states.delete(id);
    if (release) {
      await this.deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, this.lease(id), this.owner);
    }
  }

  private async logout(id: string): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    await (await entry.handle)?.logout?.();
    await this.restart(id);
  }

  private async restart(id: string): Promise<void> {
    if (!this.running.has(id)) return this.scan();
    await this.stopOne(id);
    await this.scan();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.scanTimer);
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
  }
}
