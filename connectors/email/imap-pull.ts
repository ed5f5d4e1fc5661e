/**
 * Inbound email by IMAP with imapflow (https://imapflow.com/): import new mail by UID, then
 * IDLE (RFC 2177, https://www.rfc-editor.org/rfc/rfc2177) for more. The cursor is
 * {uidValidity, lastUid} (RFC 3501 section 2.3.1.1): nothing is imported twice or skipped
 * across reconnects and restarts, as long as UIDVALIDITY holds.
 */
import type { ImapFlow, MailboxObject } from 'imapflow';
import type { PullContext, PullHandle } from '../types.js';
import type { EmailCredentials } from './credentials.js';
import { BASE64_RFC822 } from './parse.js';

export interface ImapCursor {
  uidValidity: number;
  lastUid: number;
}

export interface ImapPullOptions {
  /** Reconnect backoff bounds after a connection failure (ms). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Wait before retrying after an authentication failure (ms): slow, a person has to act. */
  authRetryMs?: number;
  /** RFC 2177 asks clients to re-issue IDLE at least every 29 minutes. */
  maxIdleTimeMs?: number;
  /** Messages fetched (with their full source) per FETCH. */
  batchSize?: number;
}

const DEFAULTS: Required<ImapPullOptions> = {
  minBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  authRetryMs: 5 * 60_000,
  maxIdleTimeMs: 25 * 60_000,
  batchSize: 20,
};

function readCursor(raw: Record<string, unknown> | null): ImapCursor | null {
  if (!raw) return null;
  const uidValidity = Number(raw.uidValidity);
  const lastUid = Number(raw.lastUid);
  return Number.isFinite(uidValidity) && Number.isInteger(lastUid) && lastUid >= 0 ? { uidValidity, lastUid } : null;
}

/** A timer that never holds the process open. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function isAuthFailure(e: unknown): boolean {
  const err = e as { authenticationFailed?: boolean; serverResponseCode?: string } | undefined;
  return !!err && (err.authenticationFailed === true || err.serverResponseCode === 'AUTHENTICATIONFAILED');
}

function describe(e: unknown): string {
  const err = e as { responseText?: string; message?: string; code?: string } | undefined;
  return err?.responseText || err?.message || err?.code || String(e);
}

export async function startImapPull(ctx: PullContext<EmailCredentials>, options: ImapPullOptions = {}): Promise<PullHandle> {
  const opts = { ...DEFAULTS, ...options };
  const creds = ctx.credentials;
  let cursor = readCursor(ctx.cursor);
  let stopped = false;
  let client: ImapFlow | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  /** Where to start in a mailbox the cursor does not cover: the newest `initialImportCount` messages. */
  async function initialLastUid(c: ImapFlow, mailbox: MailboxObject): Promise<number> {
    const count = creds.initialImportCount ?? 50;
    if (count <= 0 || mailbox.exists === 0) return Math.max(0, mailbox.uidNext - 1);
    let first = Infinity;
    for await (const msg of c.fetch(`${Math.max(1, mailbox.exists - count + 1)}:*`, { uid: true })) {
      first = Math.min(first, msg.uid);
    }
    return Number.isFinite(first) ? first - 1 : Math.max(0, mailbox.uidNext - 1);
  }

  async function sync(c: ImapFlow): Promise<void> {
    const mailbox = c.mailbox;
    if (!mailbox) throw new Error('no mailbox selected');
    const uidValidity = Number(mailbox.uidValidity);
    if (!cursor || cursor.uidValidity !== uidValidity) {
      if (cursor) {
        ctx.log.warn({ channelId: ctx.channelId, was: cursor.uidValidity, now: uidValidity }, 'IMAP UIDVALIDITY changed: UIDs restart');
      }
      cursor = { uidValidity, lastUid: await initialLastUid(c, mailbox) };
      // Kept at once: mail arriving while the worker is down is then imported on the next start.
      await ctx.saveCursor({ ...cursor });
    }
    const from = cursor.lastUid + 1;
    const uids: number[] = [];
    // "n:*" always matches the highest UID, even one below n: hence the filter.
    for await (const msg of c.fetch(`${from}:*`, { uid: true }, { uid: true })) {
      if (msg.uid >= from) uids.push(msg.uid);
    }
    uids.sort((a, b) => a - b);
    for (let i = 0; i < uids.length && !stopped; i += opts.batchSize) {
      const batch = uids.slice(i, i + opts.batchSize);
      const sources = new Map<number, Buffer>();
      for await (const msg of c.fetch(batch.join(','), { uid: true, source: true }, { uid: true })) {
        if (msg.source) sources.set(msg.uid, msg.source);
      }
      for (const uid of batch) {
        if (stopped) return;
        const source = sources.get(uid);
        const next = { uidValidity, lastUid: uid };
        if (source) {
          await ctx.emit(
            { body: source.toString('base64'), contentType: BASE64_RFC822, receivedAt: Date.now() },
            `imap:${uidValidity}:${uid}`,
            { ...next },
          );
        }
        // Expunged between the two fetches: nothing to import, move past it.
        if (!source) await ctx.saveCursor({ ...next });
        cursor = next;
      }
    }
  }

  /** One connection, from login until it closes; true when it ended because a sync failed. */
  async function session(): Promise<boolean> {
    // Loaded by the first mailbox watched (a worker's pull channel): an API process never holds imapflow.
    const { ImapFlow } = await import('imapflow');
    const c = new ImapFlow({
      host: creds.imapHost,
      port: creds.imapPort,
      secure: creds.imapSecure,
      auth: { user: creds.imapUser, pass: creds.imapPassword },
      tls: { rejectUnauthorized: creds.imapTlsRejectUnauthorized ?? true },
      logger: false,
      maxIdleTime: opts.maxIdleTimeMs,
      // Idle soon after a sync, so new mail is announced without waiting the 15 s default.
      autoIdleDelay: 1_000,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
    });
    client = c;
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.on('error', (e: Error) => ctx.log.warn({ channelId: ctx.channelId, err: describe(e) }, 'IMAP connection error'));

    await c.connect();
    await c.mailboxOpen(creds.mailbox);
    ctx.setState('active');

    let running: Promise<void> | null = null;
    let again = false;
    let syncFailed = false;
    const kick = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await sync(c);
          } while (again && !stopped);
        } catch (e) {
          if (!stopped) {
            syncFailed = true;
            ctx.log.warn({ channelId: ctx.channelId, err: describe(e) }, 'IMAP sync failed; reconnecting');
            c.close();
          }
        } finally {
          running = null;
        }
      })();
    };
    c.on('exists', () => kick());
    kick();
    await closed;
    await running;
    return syncFailed;
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      let wait: number;
      try {
        const syncFailed = await session();
        if (stopped) break;
        // A sync that keeps failing (the queue is down, say) backs off like a failed connection.
        failures = syncFailed ? failures + 1 : 0;
        ctx.setState('error', syncFailed ? 'IMAP sync failed; reconnecting' : 'IMAP connection closed; reconnecting');
        wait = Math.min(opts.maxBackoffMs, opts.minBackoffMs * 2 ** Math.min(failures, 16));
      } catch (e) {
        client?.close();
        if (stopped) break;
        failures++;
        if (isAuthFailure(e)) {
          ctx.setState('needs_auth', `IMAP login failed: ${describe(e)}`);
          wait = opts.authRetryMs;
        } else {
          ctx.setState('error', `IMAP: ${describe(e)}`);
          wait = Math.min(opts.maxBackoffMs, opts.minBackoffMs * 2 ** Math.min(failures - 1, 16));
        }
        ctx.log.warn({ channelId: ctx.channelId, err: describe(e), retryInMs: wait }, 'IMAP session failed');
      }
      if (!stopped) await sleep(wait);
    }
  }

  const running = loop();

  return {
    async stop() {
      stopped = true;
      wake?.();
      const c = client;
      if (c && c.usable) {
        // LOGOUT politely, but never let a dead server hold up shutdown.
        await Promise.race([c.logout().catch(() => undefined), delay(2_000)]);
      }
      c?.close();
      await Promise.race([running, delay(5_000)]);
    },
  };
}
