/**
 * One WhatsApp Web session: a whatsapp-web.js Client in its own Chromium, logged in by QR or
 * pairing code, kept in the hub's store (RemoteAuth), watched for the "connected but dead"
 * state, restarted with capped exponential backoff, and read back since the saved cursor after
 * every start. Runs under the pull runner's per-channel lease: one session per channel anywhere.
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import QRCode from 'qrcode';
import type { PullContext, PullHandle, RawInbound } from '../types.js';
import { loadWhatsAppWeb, type WaClient, type WaMessage, type WaReaction } from './client.js';
import type { WhatsAppWebCredentials } from './credentials.js';
import type { WaRaw } from './raw.js';
import { memoryStore, remoteAuth } from './remote-store.js';
import { SMALL_FOOTPRINT_ARGS, type WhatsAppWebRuntime } from './runtime.js';
import { chatIdOf, ignoredChat, messagePayload, reactionPayload } from './translate.js';
import { liveSessions } from './live-sessions.js';

type Ctx = PullContext<WhatsAppWebCredentials>;

/** Why a client stopped; `relink` starts over with a fresh QR at once (the phone unlinked it). */
type Death = { reason: string; relink?: boolean };

const raw = (payload: WaRaw): RawInbound => ({ body: JSON.stringify(payload), contentType: 'application/json', receivedAt: Date.now() });

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => { throw new Error(`${what} did not answer within ${ms} ms`); })]);
}

export class WhatsAppWebSession {
  client?: WaClient;
  ready = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private failures = 0;
  private readyAt?: number;
  private lastEventAt = Date.now();
  /** Newest message time seen (ms): the cursor backfill resumes from. */
  private since: number | null;
  /** Payloads go to ingest one at a time, in the order the events came. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Sends in flight and ids the hub sent itself: their `message_create` echo is not a phone-side message. */
  private readonly sending = new Set<Promise<unknown>>();
  private readonly sentByHub = new Set<string>();
  private die?: (d: Death) => void;
  private readonly loop: Promise<void>;

  constructor(private readonly ctx: Ctx, private readonly rt: WhatsAppWebRuntime) {
    const saved = ctx.cursor?.since;
    this.since = typeof saved === 'number' ? saved : null;
    this.loop = this.run();
  }

  private get store() {
    return this.ctx.session ?? (this.fallbackStore ??= memoryStore());
  }
  private fallbackStore?: ReturnType<typeof memoryStore>;

  private async run(): Promise<void> {
    while (!this.stopped) {
      const death = await this.once().catch((e: unknown) => ({ reason: (e as Error).message }) as Death);
      if (this.stopped) break;
      // Only a session that stayed up a while earns a fresh start: one that flaps keeps backing off.
      if (this.readyAt && Date.now() - this.readyAt >= this.rt.backoff.maxMs) this.failures = 0;
      this.readyAt = undefined;
      if (death.relink) {
        this.failures = 0;
        await this.store.delete().catch(() => undefined);
        this.ctx.setState('connecting', death.reason);
        await sleep(this.rt.backoff.initialMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
        continue;
      }
      this.failures += 1;
      const delay = Math.min(this.rt.backoff.maxMs, this.rt.backoff.initialMs * 2 ** (this.failures - 1));
      const next = new Date(Date.now() + delay).toISOString();
      this.ctx.setState('error', `${death.reason} (attempt ${this.failures}; next retry at ${next})`);
      this.ctx.log.warn({ reason: death.reason, failures: this.failures, delayMs: delay }, 'whatsapp web session restarts after a pause');
      await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  /** Starts a client and resolves with why it ended. */
  private async once(): Promise<Death> {
    const { ctx, rt } = this;
    this.ready = false;
    this.badPolls = 0;
    const dataPath = `${rt.dataDir}/${ctx.channelId}`;
    await mkdir(dataPath, { recursive: true });
    const browser = await rt.browser();
    await loadWhatsAppWeb();
    const phone = ctx.credentials.pairingPhoneNumber;
    const client = rt.createClient({
      authStrategy: remoteAuth(this.store, { clientId: 'hub', dataPath, backupSyncIntervalMs: rt.backupSyncIntervalMs }),
      puppeteer: { executablePath: browser.executablePath, env: { ...process.env, ...browser.env } as Record<string, string>, headless: true, args: [...SMALL_FOOTPRINT_ARGS, ...rt.chromiumArgs] },
      webVersion: rt.webVersion,
      webVersionCache: rt.webVersionCache,
      qrMaxRetries: rt.qrMaxRetries,
      // The lease makes this the one rightful session: another tab or a worker that lost the lease yields to it.
      takeoverOnConflict: true,
      ...(phone ? { pairWithPhoneNumber: { phoneNumber: phone, showNotification: true } } : {}),
    });
    this.client = client;
    const ended = new Promise<Death>((resolve) => (this.die = resolve));
    if (this.stopped) this.die?.({ reason: 'stopped' });
    this.wire(client);
    ctx.setState('connecting', 'Starting WhatsApp Web');
    const started = (this.startedAt = Date.now());
    this.loginShown = false;
    // Offline it rejects in well under a second and fires no event (STACK.md); it may also throw a bare string ('auth timeout').
    client.initialize().catch((e: unknown) => this.die?.({ reason: `WhatsApp Web (web.whatsapp.com) did not load: ${(e as Error)?.message ?? String(e)}` }));
    const watchdog = setInterval(() => void this.check().catch(() => undefined), rt.watchdog.intervalMs);
    const death = await ended;
    clearInterval(watchdog);
    this.ready = false;
    liveSessions.delete(ctx.channelId);
    ctx.log.warn({ reason: death.reason, afterMs: Date.now() - started }, 'whatsapp web client ended');
    client.removeAllListeners();
    await withTimeout(client.destroy(), 15_000, 'destroy').catch(() => undefined);
    return death;
  }

  private wire(client: WaClient) {
    const { ctx, rt } = this;
    const seen = () => {
      this.lastEventAt = Date.now();
      this.loginShown = true;
    };
    const queue = (what: string, work: () => Promise<void>) => {
      seen();
      this.chain = this.chain.then(work).catch((err: unknown) => ctx.log.warn({ err: (err as Error)?.message, what }, 'whatsapp web event not handed over'));
    };
    client.on('qr', (qr: string) => queue('qr', async () => {
      const qrDataUrl = await QRCode.toDataURL(qr, { margin: 1, width: 264 });
      ctx.setState('pairing', 'Scan the QR code with WhatsApp on the phone (Linked devices)', { qr, qrDataUrl, expiresAt: new Date(Date.now() + rt.qrTtlMs).toISOString() });
    }));
    client.on('code', (code: string) => queue('code', async () => {
      ctx.setState('pairing', 'Enter the code on the phone: WhatsApp > Linked devices > Link with phone number', { code, expiresAt: new Date(Date.now() + rt.codeTtlMs).toISOString() });
    }));
    client.on('authenticated', () => queue('authenticated', async () => ctx.setState('connecting', 'Linked; loading chats')));
    client.on('auth_failure', (message: string) => this.die?.({ reason: `WhatsApp refused the saved session: ${message}`, relink: true }));
    client.on('ready', () => queue('ready', async () => {
      this.ready = true;
      this.readyAt = Date.now();
      liveSessions.set(ctx.channelId, this);
      ctx.setState('active');
      await this.backfill(client);
    }));
    client.on('disconnected', (reason: string) => this.die?.(reason === 'LOGOUT' || reason === 'UNPAIRED'
      ? { reason: 'The phone unlinked this device: scan a new QR code', relink: true }
      : { reason: `WhatsApp Web disconnected: ${reason}` }));
    client.on('change_state', () => seen());
    client.on('message', (m: WaMessage) => !m.fromMe && queue('message', () => this.message(client, m)));
    client.on('message_create', (m: WaMessage) => m.fromMe && queue('message_create', async () => {
      // Our own sends echo here before sendMessage returns: wait for them, then skip what the hub sent.
      await Promise.allSettled([...this.sending]);
      if (this.sentByHub.delete(m.id._serialized)) return;
      await this.message(client, m);
    }));
    client.on('message_ack', (m: WaMessage, ack: number) => queue('ack', () =>
      this.emit({ event: 'ack', id: m.id._serialized, ack, timestamp: Math.floor(Date.now() / 1000) }, `ack:${m.id._serialized}:${ack}`)));
    client.on('message_edit', (m: WaMessage, newBody: string) => queue('edit', () =>
      this.emit({ event: 'edit', id: m.id._serialized, body: String(newBody ?? m.body), timestamp: Math.floor(Date.now() / 1000) }, `edit:${m.id._serialized}:${newBody}`)));
    client.on('message_revoke_everyone', (m: WaMessage, before?: WaMessage | null) => queue('revoke', () => {
      const id = (before ?? m).id._serialized;
      return this.emit({ event: 'revoke', id, timestamp: m.timestamp || Math.floor(Date.now() / 1000) }, `revoke:${id}`);
    }));
    client.on('message_reaction', (r: WaReaction) => !r.id?.fromMe && queue('reaction', async () => {
      if (ignoredChat(r.msgId.remote, ctx.credentials)) return;
      await this.emit(await reactionPayload(client, r), `reaction:${r.id._serialized}:${r.reaction}`);
    }));
  }

  private async emit(payload: WaRaw, deliveryId: string, cursor?: Record<string, unknown>) {
    await this.ctx.emit(raw(payload), deliveryId, cursor);
  }

  private async message(client: WaClient, m: WaMessage, backfill = false): Promise<void> {
    if (m.isStatus || ignoredChat(chatIdOf(m), this.ctx.credentials) || m.type === 'revoked') return;
    const payload = await messagePayload(client, m, { mediaMaxBytes: this.rt.inlineMediaMaxBytes, backfill });
    const at = m.timestamp * 1000;
    if (this.since === null || at > this.since) this.since = at;
    // The delivery id is the message id: live and backfilled copies of one message are one job.
    await this.emit(payload, m.id._serialized, { since: this.since });
  }

  /**
   * What arrived while no session ran, read chats included: every chat active since the cursor,
   * its messages since then, oldest first. A first link starts the cursor now instead.
   */
  private async backfill(client: WaClient): Promise<void> {
    const since = this.since;
    if (since === null) {
      this.since = Date.now();
      await this.ctx.saveCursor({ since: this.since });
      return;
    }
    const chats = (await client.getChats()).filter((c) => (c.timestamp ?? 0) * 1000 >= since && !ignoredChat(c.id._serialized, this.ctx.credentials));
    let count = 0;
    for (const chat of chats) {
      const messages = await chat.fetchMessages({ limit: this.rt.backfillLimit });
      for (const m of messages.filter((x) => x.timestamp * 1000 >= since).sort((a, b) => a.timestamp - b.timestamp)) {
        if (this.stopped) return;
        await this.message(client, m, true);
        count++;
      }
    }
    this.ctx.log.info({ chats: chats.length, messages: count, since: new Date(since).toISOString() }, 'whatsapp web backfill done');
  }

  private badPolls = 0;
  /** When this client started, and whether it got as far as a QR, a code or the saved login. */
  private startedAt = Date.now();
  private loginShown = false;

  /**
   * The watchdog: the browser still connected, WhatsApp's own state CONNECTED (a few misses
   * allowed: getState flaps to null), and no chat newer than the last event we got when all has
   * been quiet for long (sessions that look connected but stopped receiving).
   */
  private async check(): Promise<void> {
    const { client, rt } = this;
    if (!client || this.stopped) return;
    if (client.pupBrowser && !client.pupBrowser.isConnected()) return this.die?.({ reason: 'The Chromium of this session closed' });
    if (!this.loginShown && Date.now() - this.startedAt > rt.startupTimeoutMs) {
      return this.die?.({ reason: `WhatsApp Web (web.whatsapp.com) did not load within ${Math.round(rt.startupTimeoutMs / 1000)} s` });
    }
    if (!this.ready) return;
    const state = await withTimeout(client.getState(), rt.watchdog.probeTimeoutMs, 'WhatsApp Web getState').catch(() => null);
    // A probe that outlived its client (restarted meanwhile) must not judge the next one.
    if (client !== this.client) return;
    this.badPolls = state === 'CONNECTED' ? 0 : this.badPolls + 1;
    if (this.badPolls >= rt.watchdog.badPollsBeforeRestart) {
      this.badPolls = 0;
      return this.die?.({ reason: `WhatsApp Web stopped answering (state ${state ?? 'unknown'} at ${rt.watchdog.badPollsBeforeRestart} checks in a row)` });
    }
    if (Date.now() - this.lastEventAt < rt.watchdog.silentMs) return;
    const chats = await withTimeout(client.getChats(), rt.watchdog.probeTimeoutMs, 'WhatsApp Web getChats');
    if (client !== this.client) return;
    const newest = Math.max(0, ...chats.filter((c) => !ignoredChat(c.id._serialized, this.ctx.credentials)).map((c) => (c.timestamp ?? 0) * 1000));
    const seenUpTo = Math.max(this.lastEventAt, this.since ?? 0);
    if (newest > seenUpTo + 1000) {
      return this.die?.({ reason: `Connected but not receiving: chat activity at ${new Date(newest).toISOString()}, nothing received since ${new Date(seenUpTo).toISOString()}` });
    }
    this.lastEventAt = Date.now();
  }

  /** Sends through this session; the echo that WhatsApp fires for it is skipped (sentByHub). */
  async send<T extends { id: { _serialized: string } }>(work: (client: WaClient) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client || !this.ready) throw new Error('the WhatsApp Web session is not connected');
    const p = work(client).then((m) => {
      this.sentByHub.add(m.id._serialized);
      return m;
    });
    this.sending.add(p);
    try {
      return await p;
    } finally {
      this.sending.delete(p);
    }
  }

  /** Unlinks the device on the phone and forgets the stored session. */
  async logout(): Promise<void> {
    const client = this.client;
    if (client && this.ready) await withTimeout(client.logout(), 15_000, 'logout').catch((err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'whatsapp web logout failed'));
    await this.store.delete();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.die?.({ reason: 'stopped' });
    await this.loop;
    await this.chain;
    // Never left showing "active" with no session behind it.
    this.ctx.setState('connecting', 'The session stopped: waiting for a worker to resume it');
  }
}

export function startSession(ctx: Ctx, rt: WhatsAppWebRuntime): PullHandle & { session: WhatsAppWebSession } {
  const session = new WhatsAppWebSession(ctx, rt);
  return { session, stop: () => session.stop(), logout: () => session.logout() };
}
