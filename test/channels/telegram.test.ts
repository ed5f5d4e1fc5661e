import { readFileSync } from 'node:fs';
// Telegram end to end through the hub: Bot API double <-> webhook route / PullRunner <-> BullMQ <-> Postgres <-> agent socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, startBotApiDouble, type Handler } from '../../connectors/telegram/bot-api-double.js';
import { AgentSocket, until } from '../support/agent.js';
import { REDIS_URL, createTestDatabase, deleteRedisPrefix, startTestHub, type TestHub } from '../support/hub.js';
import { ingestJobCount, sqlOf } from './support/db.js';
import { MARIA, UpdateFeed, editUpdate, textUpdate, type Chat } from './support/telegram.js';

const TOKEN = '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq';
const POLL_TOKEN = '7212345678:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDpoll';

type Double = Awaited<ReturnType<typeof startBotApiDouble>>;

describe('telegram in webhook mode', () => {
  let hub: TestHub;
  let token: string;
  let agent: AgentSocket;
  let bot: Double;
  const handlers: Record<string, Handler> = {};
  let channel: { id: string; webhookUrl: string; status: string };
  let secret: string;
  let conversationId: string;
  const { q, count } = sqlOf(() => hub);

  const post = (update: unknown, secretHeader: string | null = secret) =>
    fetch(`${hub.url}/webhooks/${channel.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secretHeader !== null ? { 'x-telegram-bot-api-secret-token': secretHeader } : {}) },
      body: JSON.stringify(update),
    });

  const reply = async (content: string, clientMessageId: string) => {
    const r = await agent.call('send_message', { conversationId, content, clientMessageId });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    return r.data;
  };

  beforeAll(async () => {
    bot = await startBotApiDouble(TOKEN, handlers);
    hub = await startTestHub();
    token = await hub.login();
    agent = await AgentSocket.connect(hub.url!, token);
  });
  afterAll(async () => {
    agent?.close();
    await hub?.close();
    await bot?.close();
  });

  it('registers the webhook on create: setWebhook with the webhookUrl and the generated secret_token', async () => {
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'telegram', name: 'Acme bot', credentials: { botToken: TOKEN, apiBaseUrl: bot.url } } });
    expect(r.status, r.text).toBe(201);
    channel = r.body;
    expect(channel.webhookUrl).toBe(`${hub.deps.publicUrl}/webhooks/${channel.id}`);
    expect(channel.status).toBe('active');
    expect(r.text).not.toContain(TOKEN);

    const calls = bot.calls.filter((c) => c.method === 'setWebhook');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ url: channel.webhookUrl, drop_pending_updates: false });
    expect(calls[0]!.body.allowed_updates).toEqual(expect.arrayContaining(['message', 'edited_message']));
    secret = calls[0]!.body.secret_token;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{16,256}$/);
    // Never returned in clear.
    expect(r.text).not.toContain(secret);
  });

  it('lands an update on the agent socket with the sender as a social prospect', async () => {
    const res = await post(textUpdate(900001, 1042, 'Hi! Is my order #4521 on its way?'));
    expect(res.status).toBe(200);
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hi! Is my order #4521 on its way?', 10_000);
    expect(conv).toMatchObject({ channelId: channel.id, platform: 'telegram', status: 'active', unreadCount: 1, prospect: { name: 'Maria Souza', identifier: '@maria_souza' } });
    conversationId = conv.id;
    const prospect = await agent.waitFor('prospect_updated', (p) => p.identifier === '@maria_souza');
    expect(prospect).toMatchObject({ identifierType: 'social', name: 'Maria Souza', platform: 'telegram', channelId: channel.id });

    const page = await agent.call('load_messages', { conversationId });
    expect(page.ok).toBe(true);
    expect(page.data.items.map((m: any) => m.content)).toEqual(['Hi! Is my order #4521 on its way?']);

    await post(textUpdate(900002, 1043, 'Order placed on Monday'));
    const m = await agent.waitFor('new_message', (x) => x.content === 'Order placed on Monday', 10_000);
    expect(m).toMatchObject({ conversationId, senderType: 'prospect', platform: 'telegram', messageType: 'text', status: 'delivered' });
    const [row] = await q('select external_id, direction from messages where id = ?', [m.id]);
    expect(row).toEqual({ external_id: `${MARIA.id}:1043`, direction: 'in' });
  });

  it('stores the same update_id once, however often it is delivered', async () => {
    const update = textUpdate(900003, 1044, 'Sent twice by Telegram');
    const answers = await Promise.all([post(update), post(update), post(update)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await agent.waitFor('new_message', (x) => x.content === 'Sent twice by Telegram', 10_000);
    // Again, after the first one was processed.
    expect((await post(update)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await count('messages', 'content = ?', ['Sent twice by Telegram'])).toBe(1);
    expect(agent.events('new_message').filter((x) => x.content === 'Sent twice by Telegram')).toHaveLength(1);
  });

  it('refuses a wrong or missing secret header with 401 and stores nothing', async () => {
    const before = { messages: await count('messages'), events: await count('webhook_events'), jobs: await ingestJobCount(hub) };
    for (const header of ['wrong-secret', null, `${secret}x`]) {
      const res = await post(textUpdate(900010, 1050, 'Injected'), header);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('invalid_signature');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect({ messages: await count('messages'), events: await count('webhook_events'), jobs: await ingestJobCount(hub) }).toEqual(before);
    expect(await count('messages', 'content = ?', ['Injected'])).toBe(0);
  });

  it('applies an edited_message to the stored message (message_updated)', async () => {
    await post(editUpdate(900004, 1043, 'Order placed on Tuesday'));
    const m = await agent.waitFor('message_updated', (x) => x.content === 'Order placed on Tuesday', 10_000);
    expect(m.metadata).toMatchObject({ edited: true });
    const rows = await q('select content from messages where external_id = ?', [`${MARIA.id}:1043`]);
    expect(rows).toEqual([{ content: 'Order placed on Tuesday' }]);
    expect(await count('messages', 'conversation_id = ?', [conversationId])).toBe(3);
  });

  it("sends an agent's reply with sendMessage to the chat: pending, then sent", async () => {
    const sent = await reply('It left the warehouse this morning.', 'tg-1');
    expect(sent).toMatchObject({ status: 'pending', senderType: 'agent', content: 'It left the warehouse this morning.' });
    const updated = await agent.waitFor('message_updated', (x) => x.id === sent.id && x.status === 'sent', 10_000);
    expect(updated.error).toBeUndefined();
    const calls = bot.calls.filter((c) => c.method === 'sendMessage');
    expect(calls).toHaveLength(1);
    expect(String(calls[0]!.body.chat_id)).toBe(String(MARIA.id));
    expect(calls[0]!.body.text).toBe('It left the warehouse this morning.');
    const [row] = await q('select external_id, status from messages where id = ?', [sent.id]);
    expect(row).toEqual({ external_id: `${MARIA.id}:2000`, status: 'sent' });
  });

  it('ends failed with the reason when the user blocked the bot (403)', async () => {
    handlers.sendMessage = () => fail(403, 'Forbidden: bot was blocked by the user');
    try {
      const sent = await reply('Anything else?', 'tg-2');
      const failed = await agent.waitFor('message_updated', (x) => x.id === sent.id && x.status === 'failed', 10_000);
      expect(failed.error).toContain('bot was blocked by the user');
      // Permanent: tried once, not retried.
      expect(bot.calls.filter((c) => c.method === 'sendMessage' && c.body.text === 'Anything else?')).toHaveLength(1);
      const ch = await hub.request('GET', `/api/channels/${channel.id}`, { token });
      expect(ch.body.status).toBe('active');
    } finally {
      delete handlers.sendMessage;
    }
  });

  it('answers a tapped inline button in the webhook reply, so it stops spinning', async () => {
    const update = JSON.parse(readFileSync(new URL('../../connectors/telegram/fixtures/callback-query.json', import.meta.url), 'utf8'));
    const res = await post(update);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'answerCallbackQuery', callback_query_id: update.callback_query.id });
    const plain = await post(textUpdate(500900, 900, 'no button here'));
    expect(await plain.json()).toEqual({ ok: true });
  });

  it('ends failed and flags the channel needs_auth when the token is refused (401)', async () => {
    handlers.sendMessage = () => fail(401, 'Unauthorized');
    try {
      const sent = await reply('Still there?', 'tg-3');
      const failed = await agent.waitFor('message_updated', (x) => x.id === sent.id && x.status === 'failed', 10_000);
      expect(failed.error).toContain('Unauthorized');
      const ch = await until(() => hub.request('GET', `/api/channels/${channel.id}`, { token }), (r) => r.body.status === 'needs_auth');
      expect(ch.body.statusReason).toMatch(/refused the credentials.*Unauthorized/);
      await agent.waitFor('channel_updated', (c) => c.id === channel.id && c.status === 'needs_auth');
    } finally {
      delete handlers.sendMessage;
    }
  });
});

describe('telegram in polling mode', () => {
  const chat: Chat = { id: 6011223344, first_name: 'Jonas', username: 'jonas_k', type: 'private' };
  const feed = new UpdateFeed(1_000);
  let bot: Double;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let hub: TestHub;
  let restarted: TestHub | undefined;
  /** The first hub was stopped for the restart (its queue keys then go with the restarted one's close). */
  let firstStopped = false;
  let token: string;
  let channelId: string;
  const { q, count } = sqlOf(() => restarted ?? hub);

  beforeAll(async () => {
    bot = await startBotApiDouble(POLL_TOKEN, { getUpdates: feed.getUpdates });
    db = await createTestDatabase();
    hub = await startTestHub({}, { databaseUrl: db.url });
    token = await hub.login();
  });
  afterAll(async () => {
    if (restarted) await restarted.close();
    else if (!firstStopped) await hub?.close();
    else await deleteRedisPrefix(REDIS_URL, hub.config.queuePrefix);
    await bot?.close();
    await db?.drop();
  });

  it('polls getUpdates from the worker role and lands the messages', async () => {
    const r = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'telegram', name: 'Polling bot', credentials: { botToken: POLL_TOKEN, mode: 'polling', apiBaseUrl: bot.url } },
    });
    expect(r.status, r.text).toBe(201);
    channelId = r.body.id;
    // Polling mode removes any webhook (it would block getUpdates) and sets none.
    expect(bot.calls.map((c) => c.method)).toContain('deleteWebhook');
    expect(bot.calls.map((c) => c.method)).not.toContain('setWebhook');

    const agent = await AgentSocket.connect(hub.url!, token);
    try {
      await until(async () => feed.offsets.length, (n) => n > 0);
      feed.push(textUpdate(500001, 10, 'Polling one', chat), textUpdate(500002, 11, 'Polling two', chat));
      const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Polling two', 10_000);
      expect(conv).toMatchObject({ channelId, platform: 'telegram', prospect: { name: 'Jonas', identifier: '@jonas_k' } });
      feed.push(textUpdate(500003, 12, 'Polling three', chat));
      await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Polling three', 10_000);
    } finally {
      agent.close();
    }
    expect(await count('messages', 'channel_id = ?', [channelId])).toBe(3);
    // The offset is saved with what was queued.
    const [row] = await q('select cursor from channels where id = ?', [channelId]);
    expect(row.cursor).toEqual({ offset: 500004 });
    // Each call after the first confirms what came before.
    await until(async () => feed.offsets.at(-1), (o) => o === 500004);
  });

  it('resumes from the saved offset after a restart and imports nothing twice', async () => {
    const prefix = hub.config.queuePrefix;
    firstStopped = true;
    await hub.stop();
    const callsBefore = feed.offsets.length;
    // Delivered while the hub was down.
    feed.push(textUpdate(500004, 13, 'While you were down', chat));

    restarted = await startTestHub({ QUEUE_PREFIX: prefix }, { databaseUrl: db.url });
    await until(async () => feed.offsets.length, (n) => n > callsBefore);
    expect(feed.offsets[callsBefore]).toBe(500004);
    await until(() => count('messages', 'channel_id = ? and content = ?', [channelId, 'While you were down']), (n) => n === 1);

    feed.push(textUpdate(500005, 14, 'After the restart', chat));
    await until(() => count('messages', 'channel_id = ?', [channelId]), (n) => n === 5);
    await until(async () => feed.offsets.at(-1), (o) => o === 500006);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await q('select content from messages where channel_id = ? order by timestamp, seq', [channelId]);
    expect(rows.map((r: any) => r.content)).toEqual(['Polling one', 'Polling two', 'Polling three', 'While you were down', 'After the restart']);
    expect(await count('webhook_events', 'channel_id = ?', [channelId])).toBe(5);
    expect(await count('conversations', 'channel_id = ?', [channelId])).toBe(1);
    // Never an offset that goes back.
    const given = feed.offsets.filter((o): o is number => o !== undefined);
    expect(given).toEqual([...given].sort((a, b) => a - b));
  });
});
