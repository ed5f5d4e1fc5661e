// Long polling: https://core.telegram.org/bots/api#getupdates
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError, type PullCapability, type PullContext } from '../types.js';
import { ALLOWED_UPDATES, callBotApi } from './api.js';
import type { TelegramCredentials } from './credentials.js';

export interface PollOptions {
  /** getUpdates long-poll timeout; Telegram holds the request up to this long. */
  timeoutSeconds?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Consecutive failures before the channel shows as 'error' (auth shows at once). */
  failuresBeforeError?: number;
}

interface Config { timeoutSeconds: number; initialMs: number; maxMs: number; failuresBeforeError: number }

const isWebhookConflict = (e: ConnectorError) => e.code === '409' && /webhook/i.test(e.message);

async function pollLoop(ctx: PullContext<TelegramCredentials>, signal: AbortSignal, cfg: Config): Promise<void> {
  const saved = ctx.cursor?.offset;
  let offset = typeof saved === 'number' ? saved : undefined;
  let failures = 0;
  let webhookDeleted = false;
  // Admins see transitions; a long outage does not repeat the same state on every retry.
  let reported: string | undefined;
  const report = (state: 'active' | 'error' | 'needs_auth', reason?: string) => {
    if (reported === state) return;
    reported = state;
    ctx.setState(state, reason);
  };

  while (!signal.aborted) {
    try {
      const updates = await callBotApi<{ update_id: number }[]>(
        ctx.fetch,
        ctx.credentials,
        'getUpdates',
        { offset, timeout: cfg.timeoutSeconds, allowed_updates: ALLOWED_UPDATES },
        { signal, timeoutMs: (cfg.timeoutSeconds + 15) * 1000 },
      );
      report('active');
      failures = 0;
      for (const update of updates) {
        // What is not emitted yet is not confirmed to Telegram either: it comes back next time.
        if (signal.aborted) break;
        const next = update.update_id + 1;
        await ctx.emit(
          { body: JSON.stringify(update), contentType: 'application/json', receivedAt: Date.now() },
          `update:${update.update_id}`,
          { offset: next },
        );
        offset = next;
      }
    } catch (e) {
      if (signal.aborted) break;
      failures += 1;
      const err = e instanceof ConnectorError ? e : undefined;
      const reason = (e as Error).message;
      let delay = Math.min(cfg.maxMs, cfg.initialMs * 2 ** (failures - 1));
      if (err?.category === 'auth') {
        report('needs_auth', reason);
        delay = cfg.maxMs;
      } else if (err && isWebhookConflict(err) && !webhookDeleted) {
        // A webhook set elsewhere blocks getUpdates; polling mode means it should go.
        webhookDeleted = true;
        await callBotApi(ctx.fetch, ctx.credentials, 'deleteWebhook', { drop_pending_updates: false }, { signal }).catch(() => {});
        delay = 0;
      } else if (err?.category === 'rate_limited' && err.retryAfter) {
        delay = err.retryAfter * 1000;
      } else if (failures >= cfg.failuresBeforeError) {
        report('error', reason);
      }
      ctx.log.warn({ failures, delayMs: delay, reason }, 'telegram getUpdates failed');
      await sleep(delay, undefined, { signal }).catch(() => {});
    }
  }
}

/** Long polling for channels in 'polling' mode; webhook channels get a handle that does nothing. */
export function telegramPull(opts: PollOptions = {}): PullCapability<TelegramCredentials> {
  const cfg: Config = {
    timeoutSeconds: opts.timeoutSeconds ?? 25,
    initialMs: opts.backoff?.initialMs ?? 1_000,
    maxMs: opts.backoff?.maxMs ?? 60_000,
    failuresBeforeError: opts.failuresBeforeError ?? 3,
  };
  return {
    async start(ctx) {
      if (ctx.credentials.mode !== 'polling') return { stop: async () => {} };
      const abort = new AbortController();
      const loop = pollLoop(ctx, abort.signal, cfg).catch((e: unknown) => {
        ctx.setState('error', (e as Error).message);
      });
      return {
        async stop() {
          abort.abort();
          await loop;
        },
      };
    },
  };
}
