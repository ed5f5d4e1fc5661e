// Long polling against a local Bot API double: https://core.telegram.org/bots/api#getupdates
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullContext, RawInbound } from '../types.js';
import { fail, ok, startBotApiDouble, type Handler } from './bot-api-double.js';
import { TelegramCredentials } from './credentials.js';
import { telegram } from './index.js';
import { telegramPull } from './poll.js';

const TOKEN = '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq';
const update = (id: number, text: string) => ({
  update_id: id,
  message: { message_id: id - 834561000, from: { id: 5132457788, is_bot: false, first_name: 'Maria' }, chat: { id: 5132457788, first_name: 'Maria', type: 'private' }, date: 1717426801, text },
});

/** Holds a long poll like Telegram does: until the timeout passes or the client goes away. */
const hold = (timeoutSeconds: number): Handler => async (_b, { closed }) => {
  await Promise.race([delay(timeoutSeconds * 1000), closed]);
  return ok([]);
};

let double: Awaited<ReturnType<typeof startBotApiDouble>> | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

function pullContext(url: string, cursor: Record<string, unknown> | null, mode: 'polling' | 'webhook' = 'polling') {
  const emitted: { raw: RawInbound; deliveryId: string; cursor?: Record<string, unknown> }[] = [];
  const states: string[] = [];
  const ctx: PullContext<TelegramCredentials> = {
    channelId: 'ch_1',
    credentials: TelegramCredentials.parse({ botToken: TOKEN, mode, apiBaseUrl: url }),
    cursor,
    webhookUrl: 'https://hub.example.com/webhooks/telegram/ch_1',
    fetch,
    emit: async (raw, deliveryId, c) => {
      emitted.push({ raw, deliveryId, cursor: c });
    },
    saveCursor: async () => undefined,
    setState: (s, reason) => states.push(reason ? `${s}: ${reason}` : s),
    log: { info: () => {}, warn: () => {} },
  };
  return { ctx, emitted, states };
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(10);
  }
}

describe('telegram polling', () => {
  it('emits two batches in order, advancing offsets, and stop() aborts the held poll promptly', async () => {
    let n = 0;
    double = await startBotApiDouble(TOKEN, {
      getUpdates: (b, req) => {
        n += 1;
        if (n === 1) return ok([update(834562001, 'one'), update(834562002, 'two')]);
        if (n === 2) return ok([update(834562003, 'three')]);
        return hold(b.timeout)(b, req);
      },
    });
    const { ctx, emitted, states } = pullContext(double.url, null);
    const handle = await telegramPull({ timeoutSeconds: 20 }).start(ctx);
    await until(() => double!.calls.length >= 3);

    expect(emitted.map((e) => [e.deliveryId, e.cursor])).toEqual([
      ['update:834562001', { offset: 834562002 }],
      ['update:834562002', { offset: 834562003 }],
      ['update:834562003', { offset: 834562004 }],
    ]);
    expect(JSON.parse(emitted[1].raw.body)).toEqual(update(834562002, 'two'));
    expect(emitted[0].raw.contentType).toBe('application/json');
    expect(double.calls.map((c) => c.body.offset)).toEqual([undefined, 834562003, 834562004]);
    expect(double.calls[0].body).toMatchObject({ timeout: 20, allowed_updates: expect.arrayContaining(['message', 'callback_query']) });
    expect(states).toEqual(['active']);

    // The third poll is being held for 20 s: stop must not wait for it.
    const t0 = Date.now();
    await handle.stop();
    expect(Date.now() - t0).toBeLessThan(1000);

    // What was emitted parses like a webhook delivery would.
    const [event] = await telegram.parse(emitted[2].raw, ctx.credentials);
    expect(event).toMatchObject({ type: 'message', content: 'three', externalId: '5132457788:1003' });
  });

  it('resumes from the saved cursor', async () => {
    double = await startBotApiDouble(TOKEN, { getUpdates: hold(5) });
    const { ctx } = pullContext(double.url, { offset: 834562004 });
    const handle = await telegramPull({ timeoutSeconds: 5 }).start(ctx);
    await until(() => double!.calls.length >= 1);
    await handle.stop();
    expect(double.calls[0].body.offset).toBe(834562004);
  });

  it('does not advance past an update whose emit failed', async () => {
    let n = 0;
    double = await startBotApiDouble(TOKEN, {
      getUpdates: (b, req) => (++n <= 2 ? ok([update(10, 'a'), update(11, 'b')]) : hold(5)(b, req)),
    });
    const { ctx, emitted } = pullContext(double.url, null);
    let failOnce = true;
    const emit = ctx.emit;
    ctx.emit = async (raw, id, c) => {
      if (id === 'update:11' && failOnce) {
        failOnce = false;
        throw new Error('queue unavailable');
      }
      return emit(raw, id, c);
    };
    const handle = await telegramPull({ timeoutSeconds: 5, backoff: { initialMs: 10, maxMs: 50 } }).start(ctx);
    await until(() => double!.calls.length >= 3);
    await handle.stop();
    expect(emitted.map((e) => e.deliveryId)).toEqual(['update:10', 'update:10', 'update:11']);
    expect(double.calls.map((c) => c.body.offset)).toEqual([undefined, 11, 12]);
  });

  it('reports needs_auth on 401, error after repeated failures, active on recovery', async () => {
    let n = 0;
    const script = [fail(401, 'Unauthorized'), fail(500, 'Internal Server Error'), fail(502, 'Bad Gateway'), fail(500, 'Internal Server Error'), ok([])];
    double = await startBotApiDouble(TOKEN, { getUpdates: (b, req) => script[n++] ?? hold(5)(b, req) });
    const { ctx, states } = pullContext(double.url, null);
    const handle = await telegramPull({ timeoutSeconds: 5, backoff: { initialMs: 5, maxMs: 20 }, failuresBeforeError: 3 }).start(ctx);
    await until(() => states.at(-1) === 'active');
    await handle.stop();
    expect(states).toEqual([
      'needs_auth: telegram getUpdates: Unauthorized',
      'error: telegram getUpdates: Bad Gateway',
      'active',
    ]);
  });

  it('deletes a conflicting webhook and carries on', async () => {
    let n = 0;
    double = await startBotApiDouble(TOKEN, {
      getUpdates: (b, req) =>
        ++n === 1
          ? fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
          : n === 2
            ? ok([update(20, 'after')])
            : hold(5)(b, req),
    });
    const { ctx, emitted } = pullContext(double.url, null);
    const handle = await telegramPull({ timeoutSeconds: 5 }).start(ctx);
    await until(() => emitted.length === 1);
    await handle.stop();
    expect(double.calls.slice(0, 3).map((c) => c.method)).toEqual(['getUpdates', 'deleteWebhook', 'getUpdates']);
  });

  it('stop() during a backoff wait resolves at once', async () => {
    double = await startBotApiDouble(TOKEN, { getUpdates: () => fail(500, 'Internal Server Error') });
    const { ctx } = pullContext(double.url, null);
    const handle = await telegramPull({ timeoutSeconds: 5, backoff: { initialMs: 30_000, maxMs: 60_000 } }).start(ctx);
    await until(() => double!.calls.length >= 1);
    await delay(20);
    const t0 = Date.now();
    await handle.stop();
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('a webhook-mode channel does not poll', async () => {
    double = await startBotApiDouble(TOKEN);
    const { ctx } = pullContext(double.url, null, 'webhook');
    const handle = await telegram.pull!.start(ctx);
    await delay(50);
    await handle.stop();
    expect(double.calls).toEqual([]);
  });
});
