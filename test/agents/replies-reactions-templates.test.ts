// Quoted replies, reactions, edits, deletes and WhatsApp templates: the exact request each platform double receives.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { startBotApiDouble } from '../../connectors/telegram/bot-api-double.js';
import { AgentSocket, until } from '../support/agent.js';
import { readFileSync } from 'node:fs';
import { startTestHub, type TestHub } from '../support/hub.js';
import { PHONE_NUMBER_ID, createWhatsAppChannel, postWebhook, sign, textWebhook, wamid } from '../support/whatsapp.js';
import { MARIA, textUpdate } from '../channels/support/telegram.js';

const TG_TOKEN = '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDquote';
const WABA = '102290129340398';

let hub: TestHub;
let graph: GraphDouble;
let bot: Awaited<ReturnType<typeof startBotApiDouble>>;
let admin: string;
let agentToken: string;
let agent: AgentSocket;
let waChannel: string;
let sent = 0;

const TEMPLATES = {
  data: [
    { name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'HEADER', format: 'TEXT', text: 'Order' }, { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }] },
    { name: 'draft_promo', language: 'en_US', status: 'PENDING', components: [{ type: 'BODY', text: 'Sale!' }] },
  ],
  paging: { cursors: { before: 'a', after: 'b' } },
};

const graphOk = () => graph.reset((r) => {
  if (r.method === 'GET' && r.path.startsWith(`/v21.0/${WABA}/message_templates`)) return { body: TEMPLATES };
  if (r.method === 'POST') return { body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.out-${++sent}` }] } };
  return { status: 404, body: { error: { message: 'no route', code: 803 } } };
});
const toGraph = () => graph.requests.filter((r) => r.method === 'POST' && r.path === `/v21.0/${PHONE_NUMBER_ID}/messages`).map((r) => JSON.parse(r.body));

async function inbound(waId: string, id: string, body: string, timestamp?: number) {
  await postWebhook(hub, waChannel, textWebhook({ waId, id: wamid(id), body, timestamp }));
  const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === body, 10_000);
  const page = await agent.call('load_messages', { conversationId: conv.id });
  return { conversationId: conv.id as string, message: page.data.items.find((m: any) => m.content === body) };
}

async function sendAndWait(payload: Record<string, unknown>) {
  const r = await agent.call('send_message', payload);
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  const done = await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.status !== 'pending', 10_000);
  expect(done.status, done.error).toBe('sent');
  return done;
}

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graphOk();
  bot = await startBotApiDouble(TG_TOKEN);
  hub = await startTestHub();
  admin = await hub.login();
  await hub.request('POST', '/api/users', { token: admin, body: { email: 'agent@q.test', password: 'agent-q-pass-1', name: 'Quinn', role: 'agent' } });
  agentToken = await hub.login('agent@q.test', 'agent-q-pass-1');
  waChannel = (await createWhatsAppChannel(hub, admin, { apiBaseUrl: graph.url, businessAccountId: WABA })).id;
  agent = await AgentSocket.connect(hub.url!, agentToken);
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
  await graph?.stop();
  await bot?.close();
});

describe('WhatsApp Cloud', () => {
  it('a quoted reply carries context.message_id; the thread shows the quote both ways', async () => {
    const { conversationId, message } = await inbound('351922000001', 'q-1', 'Where is my parcel?');
    graphOk();
    const reply = await sendAndWait({ conversationId, content: 'It left today', clientMessageId: 'q-reply-1', replyToId: message.id });
    expect(toGraph()).toEqual([{
      messaging_product: 'whatsapp', recipient_type: 'individual', to: '351922000001', type: 'text',
      text: { body: 'It left today', preview_url: true }, context: { message_id: wamid('q-1') },
    }]);
    expect(reply).toMatchObject({ replyToId: message.id, quoted: { id: message.id, content: 'Where is my parcel?', senderType: 'prospect' } });

    // The customer quotes our reply: context.id resolves to our message.
    const body = JSON.parse(textWebhook({ waId: '351922000001', id: wamid('q-2'), body: 'Thanks!' }));
    body.entry[0].changes[0].value.messages[0].context = { from: PHONE_NUMBER_ID, id: `wamid.out-${sent}` };
    await postWebhook(hub, waChannel, JSON.stringify(body));
    const quoted = await agent.waitFor('new_message', (m) => m.content === 'Thanks!', 10_000);
    expect(quoted).toMatchObject({ replyToId: reply.id, quoted: { content: 'It left today', senderType: 'agent' } });
  });

  it('a quote of another conversation\'s message is refused, nothing sent', async () => {
    const a = await inbound('351922000002', 'q-3', 'First person');
    const b = await inbound('351922000003', 'q-4', 'Second person');
    graphOk();
    const r = await agent.call('send_message', { conversationId: b.conversationId, content: 'x', clientMessageId: 'q-cross', replyToId: a.message.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
    await new Promise((res) => setTimeout(res, 300));
    expect(toGraph()).toEqual([]);
  });

  it('a reaction becomes a reaction message; an empty emoji removes it; editing answers unsupported', async () => {
    const { message } = await inbound('351922000004', 'q-5', 'Got it, thanks');
    graphOk();
    const r = await agent.call('react_message', { messageId: message.id, emoji: '👍' });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect(r.data.action).toEqual({ kind: 'react', state: 'pending' });
    const reacted = await agent.waitFor('message_updated', (m) => m.id === message.id && m.reactions?.business === '👍' && !m.action, 10_000);
    expect(reacted.reactions).toEqual({ business: '👍' });
    expect(toGraph()).toEqual([{ messaging_product: 'whatsapp', recipient_type: 'individual', to: '351922000004', type: 'reaction', reaction: { message_id: wamid('q-5'), emoji: '👍' } }]);

    graphOk();
    await agent.call('react_message', { messageId: message.id, emoji: '' });
    await agent.waitFor('message_updated', (m) => m.id === message.id && !m.reactions && !m.action, 10_000);
    expect(toGraph()[0].reaction).toEqual({ message_id: wamid('q-5'), emoji: '' });

    // The conversation tells the browser so before it tries.
    const conv = await hub.request('GET', `/api/conversations/${message.conversationId}`, { token: agentToken });
    expect(conv.body.messageActions).toEqual({ react: true, edit: false, delete: false });
    const edit = await agent.call('edit_message', { messageId: message.id, content: 'changed' });
    expect(edit).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    const del = await agent.call('delete_message', { messageId: message.id });
    expect(del).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('a refused reaction is shown failed on the message with the platform\'s reason', async () => {
    const { message } = await inbound('351922000005', 'q-6', 'React to me');
    graph.reset(() => ({ status: 400, body: { error: { message: 'Message not found for reaction', code: 131009, type: 'OAuthException' } } }));
    await agent.call('react_message', { messageId: message.id, emoji: '❤️' });
    const failed = await agent.waitFor('message_updated', (m) => m.id === message.id && m.action?.state === 'failed', 10_000);
    expect(failed.action.error).toContain('Message not found for reaction');
    expect(failed.reactions).toBeUndefined();
  });

  it('GET /api/channels/:id/templates lists the approved templates of the businessAccountId, for agents too', async () => {
    graphOk();
    const r = await hub.request('GET', `/api/channels/${waChannel}/templates`, { token: agentToken });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual([{ name: 'order_update', language: 'en_US', category: 'UTILITY', body: 'Hi {{1}}, your order {{2}} has shipped.', paramCount: 2 }]);
    const get = graph.requests.find((q) => q.method === 'GET')!;
    expect(get.path).toContain('status=APPROVED');
    expect(get.headers.authorization).toBe('Bearer EAAtest');
    // An agent still cannot read the channel itself.
    expect((await hub.request('GET', `/api/channels/${waChannel}`, { token: agentToken })).status).toBe(403);
  });

  it('templates: a channel without businessAccountId answers 422; another kind answers unsupported', async () => {
    const bare = (await createWhatsAppChannel(hub, admin, { apiBaseUrl: graph.url, phoneNumberId: '999000111', verifyToken: 'v2' })).id;
    const r = await hub.request('GET', `/api/channels/${bare}/templates`, { token: agentToken });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('no_business_account');
    const tg = await hub.request('POST', '/api/channels', { token: admin, body: { kind: 'telegram', name: 'TG', credentials: { botToken: TG_TOKEN, apiBaseUrl: bot.url } } });
    const t = await hub.request('GET', `/api/channels/${tg.body.id}/templates`, { token: agentToken });
    expect(t.status).toBe(422);
    expect(t.body.error.code).toBe('unsupported');
    await hub.request('DELETE', `/api/channels/${bare}`, { token: admin });
    await hub.request('DELETE', `/api/channels/${tg.body.id}`, { token: admin });
  });

  it('a closed window refuses free text but sends a template with its parameters', async () => {
    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86400;
    const { conversationId } = await inbound('351922000006', 'q-7', 'Old question', twoDaysAgo);
    graphOk();
    const free = await agent.call('send_message', { conversationId, content: 'hello again', clientMessageId: 'q-free' });
    expect(free).toMatchObject({ ok: false, error: { code: 'window_closed' } });
    const done = await sendAndWait({ conversationId, content: '', clientMessageId: 'q-tpl', template: { name: 'order_update', language: 'en_US', params: ['Rita', '#4521'] } });
    expect(done.content).toContain('order_update');
    expect(toGraph()).toEqual([{
      messaging_product: 'whatsapp', recipient_type: 'individual', to: '351922000006', type: 'template',
      template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Rita' }, { type: 'text', text: '#4521' }] }] },
    }]);
  });
});

describe('a send that cannot go through', () => {
  it('shows "retrying (n of m)" live with a sentence a person understands, and fails within 10 s', async () => {
    // A port nothing listens on: every attempt is a refused connection.
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const { conversationId } = await inbound('351922000009', 'q-9', 'Are you there?');
    await hub.request('PATCH', `/api/channels/${waChannel}`, { token: admin, body: { credentials: { apiBaseUrl: `http://127.0.0.1:${closed}` } } });
    try {
      const t0 = Date.now();
      const r = await agent.call('send_message', { conversationId, content: 'Yes!', clientMessageId: 'q-unreachable' });
      const retrying = await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.retrying?.attempt === 1, 5000);
      expect(retrying).toMatchObject({ status: 'pending', retrying: { attempt: 1, of: 3 } });
      expect(retrying.error).toBe('Could not reach Meta: nothing answered at its address (connection refused) (ECONNREFUSED)');
      await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.retrying?.attempt === 3, 10_000);
      const failed = await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'failed', 10_000);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(failed.error).toMatch(/^Could not reach Meta: nothing answered/);
      expect(failed.retrying).toBeUndefined();
    } finally {
      await hub.request('PATCH', `/api/channels/${waChannel}`, { token: admin, body: { credentials: { apiBaseUrl: graph.url } } });
    }
  }, 20_000);
});

describe('Instagram', () => {
  it('a message the sender unsent is kept and shown as deleted by the sender', async () => {
    const ch = await hub.request('POST', '/api/channels', { token: admin, body: { kind: 'instagram', name: 'IG', credentials: { accountId: '17841405822304914', accessToken: 'IGtest', appSecret: 'ig-secret-1', verifyToken: 'ig-v', apiBaseUrl: graph.url } } });
    expect(ch.status, ch.text).toBe(201);
    graph.reset((r) => (r.method === 'GET' ? { body: { name: 'Ines' } } : { status: 404, body: {} }));
    const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../connectors/meta/fixtures/${name}.json`, import.meta.url), 'utf8'));
    const del = fixture('instagram-deleted');
    const mid = del.entry[0].messaging[0].message.mid;
    const text = fixture('instagram-text');
    const ev = text.entry[0].messaging[0];
    Object.assign(ev, { sender: del.entry[0].messaging[0].sender, recipient: del.entry[0].messaging[0].recipient, timestamp: Date.now() });
    ev.message = { mid, text: 'oops, wrong chat' };
    for (const body of [text, del]) {
      const raw = JSON.stringify(body);
      const res = await fetch(`${hub.url}/webhooks/${ch.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, 'ig-secret-1') }, body: raw });
      expect(res.status).toBe(200);
      if (body === text) await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'oops, wrong chat', 10_000);
    }
    const conv = await agent.waitFor('conversation_updated', (c) => c.channelId === ch.body.id);
    await agent.call('load_messages', { conversationId: conv.id });
    await until(async () => (await agent.call('load_messages', { conversationId: conv.id })).data.items[0], (m: any) => Boolean(m?.deletedAt), 10_000);
    const [m] = (await agent.call('load_messages', { conversationId: conv.id })).data.items;
    expect(m).toMatchObject({ content: 'oops, wrong chat', deletedAt: new Date(1731705480120).toISOString() });
  });
});

describe('Telegram', () => {
  let channel: string;
  let conversationId: string;
  let inboundId: string;
  beforeAll(async () => {
    const r = await hub.request('POST', '/api/channels', { token: admin, body: { kind: 'telegram', name: 'Acme bot', credentials: { botToken: TG_TOKEN, apiBaseUrl: bot.url } } });
    channel = r.body.id;
    const secret = bot.calls.filter((c) => c.method === 'setWebhook').at(-1)!.body.secret_token;
    await fetch(`${hub.url}/webhooks/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(textUpdate(700001, 501, 'Can I change my address?')) });
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Can I change my address?', 10_000);
    conversationId = conv.id;
    inboundId = (await agent.call('load_messages', { conversationId })).data.items[0].id;
  });
  const calls = (method: string) => bot.calls.filter((c) => c.method === method).map((c) => c.body);

  it('a quoted reply carries reply_parameters; a reaction is setMessageReaction', async () => {
    const reply = await sendAndWait({ conversationId, content: 'Yes, which one?', clientMessageId: 'tg-q-1', replyToId: inboundId });
    expect(calls('sendMessage').at(-1)).toEqual({ chat_id: String(MARIA.id), text: 'Yes, which one?', reply_parameters: { message_id: 501, allow_sending_without_reply: true } });
    expect(reply.quoted.content).toBe('Can I change my address?');

    await agent.call('react_message', { messageId: inboundId, emoji: '👍' });
    await agent.waitFor('message_updated', (m) => m.id === inboundId && m.reactions?.business === '👍' && !m.action, 10_000);
    expect(calls('setMessageReaction').at(-1)).toEqual({ chat_id: String(MARIA.id), message_id: 501, reaction: [{ type: 'emoji', emoji: '👍' }] });
  });

  it('editing an agent message is editMessageText; deleting it is deleteMessage; both shown live', async () => {
    const conv = await hub.request('GET', `/api/conversations/${conversationId}`, { token: agentToken });
    expect(conv.body.messageActions).toEqual({ react: true, edit: true, delete: true });
    const sentMsg = await sendAndWait({ conversationId, content: 'Typo herre', clientMessageId: 'tg-e-1' });
    bot.calls.length = 0;
    const r = await agent.call('edit_message', { messageId: sentMsg.id, content: 'Typo here' });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    const edited = await agent.waitFor('message_updated', (m) => m.id === sentMsg.id && m.editedAt && !m.action, 10_000);
    expect(edited.content).toBe('Typo here');
    const [chatId, messageId] = (await hub.deps.orm.em.fork().getConnection().execute('select external_id from messages where id = ?', [sentMsg.id]))[0].external_id.split(':');
    expect(calls('editMessageText')).toEqual([{ chat_id: chatId, message_id: Number(messageId), text: 'Typo here' }]);

    await agent.call('delete_message', { messageId: sentMsg.id });
    const deleted = await agent.waitFor('message_updated', (m) => m.id === sentMsg.id && m.deletedAt && !m.action, 10_000);
    expect(deleted.deletedAt).toBeTruthy();
    expect(calls('deleteMessage')).toEqual([{ chat_id: chatId, message_id: Number(messageId) }]);
    expect(await agent.call('edit_message', { messageId: sentMsg.id, content: 'again' })).toMatchObject({ ok: false, error: { code: 'message_deleted' } });
    // The customer's own message is theirs: not editable from the hub.
    expect(await agent.call('edit_message', { messageId: inboundId, content: 'no' })).toMatchObject({ ok: false, error: { code: 'not_own_message' } });
  });
});
