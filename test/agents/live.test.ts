import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { PHONE_NUMBER_ID, createWhatsAppChannel, postWebhook, statusWebhook, textWebhook, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let graph: GraphDouble;
let ownerA: string;
let agentA2: string;
let ownerB: string;
let channelA: string;
let channelB: string;
let a1: AgentSocket;
let a2: AgentSocket;
let b1: AgentSocket;
let conversationA: string;
let sent = 0;

const graphOk = () => graph.reset((r) => (r.method === 'POST' ? { body: { messaging_product: 'whatsapp', contacts: [{ input: '351911111111', wa_id: '351911111111' }], messages: [{ id: `wamid.sent-${++sent}` }] } } : { status: 404, body: {} }));

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graphOk();
  hub = await startTestHub({ GRAPH_TIMEOUT_MS: '1500' });
  ownerA = await hub.login();
  await hub.request('POST', '/api/users', { token: ownerA, body: { email: 'a2@a.test', password: 'agent-a2-pass', name: 'Agent A2', role: 'agent' } });
  agentA2 = await hub.login('a2@a.test', 'agent-a2-pass');
  await hub.request('POST', '/api/organizations', { token: ownerA, body: { name: 'Org B', admin: { email: 'b@b.test', password: 'b-password-1' } } });
  ownerB = await hub.login('b@b.test', 'b-password-1');
  channelA = (await createWhatsAppChannel(hub, ownerA, { apiBaseUrl: graph.url })).id;
  channelB = (await createWhatsAppChannel(hub, ownerB, { apiBaseUrl: graph.url })).id;
  [a1, a2, b1] = await Promise.all([AgentSocket.connect(hub.url!, ownerA), AgentSocket.connect(hub.url!, agentA2), AgentSocket.connect(hub.url!, ownerB)]);
  await postWebhook(hub, channelA, textWebhook({ waId: '351911111111', name: 'Rita', id: wamid('a-1'), body: 'Hello from Rita' }));
  conversationA = (await a1.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hello from Rita')).id;
});
afterAll(async () => {
  for (const s of [a1, a2, b1]) s?.close();
  await hub?.close();
  await graph?.stop();
});
beforeEach(() => graphOk());

describe('organizations never cross', () => {
  it('keeps live events inside the organization', async () => {
    await postWebhook(hub, channelB, textWebhook({ waId: '4477001122', name: 'Bob', id: wamid('b-1'), body: 'Hello from Bob' }));
    await b1.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hello from Bob');
    await a2.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hello from Rita');
    await new Promise((r) => setTimeout(r, 200));
    const seen = (s: AgentSocket) => JSON.stringify(s.received);
    expect(seen(a1)).not.toContain('Hello from Bob');
    expect(seen(a2)).not.toContain('Hello from Bob');
    expect(seen(b1)).not.toContain('Hello from Rita');
  });

  it("refuses every socket event and route on another organization's conversation", async () => {
    for (const [event, payload] of [
      ['load_messages', { conversationId: conversationA }],
      ['send_message', { conversationId: conversationA, content: 'hijack', clientMessageId: 'x1' }],
      ['mark_as_read', { conversationId: conversationA }],
      ['update_chat_settings', { conversationId: conversationA, botEnabled: true }],
      ['typing', { conversationId: conversationA, isTyping: true }],
    ] as const) {
      const r = await b1.call(event, payload);
      expect(r, event).toEqual({ ok: false, error: { code: 'not_found', message: 'Conversation not found' } });
    }
    const prospect = (await hub.request('GET', '/api/prospects', { token: ownerA })).body.items[0];
    expect((await b1.call('convert_prospect', { prospectId: prospect.id, firstName: 'X' })).error?.code).toBe('not_found');
    for (const [method, path, body] of [
      ['GET', `/api/conversations/${conversationA}`], ['PATCH', `/api/conversations/${conversationA}`, { status: 'closed' }],
      ['GET', `/api/conversations/${conversationA}/messages`], ['POST', `/api/conversations/${conversationA}/messages`, { content: 'x' }],
      ['POST', `/api/conversations/${conversationA}/read`], ['POST', `/api/prospects/${prospect.id}/convert`, { firstName: 'X' }],
    ] as const) {
      expect((await hub.request(method, path, { token: ownerB, body })).status, `${method} ${path}`).toBe(404);
    }
    expect((await hub.request('GET', '/api/conversations', { token: ownerB })).body.items.map((c: any) => c.id)).not.toContain(conversationA);
    const conv = (await hub.request('GET', `/api/conversations/${conversationA}`, { token: ownerA })).body;
    expect(conv).toMatchObject({ status: 'active', botEnabled: false });
    expect(graph.requests.filter((r) => r.body.includes('hijack'))).toHaveLength(0);
  });

  it('validates payloads and answers through the acknowledgement', async () => {
    const r = await a1.call('send_message', { conversationId: conversationA, content: '' });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('validation_error');
    const list = await a1.call('load_conversations', { limit: 1 });
    expect(list.ok).toBe(true);
    expect(list.data.items).toHaveLength(1);
  });
});

describe('fan-out', () => {
  it('sends full messages only to agents with the conversation open, and list updates to everyone', async () => {
    const page = await a1.call('load_messages', { conversationId: conversationA });
    expect(page.ok).toBe(true);
    expect(page.data.items.map((m: any) => m.content)).toEqual(['Hello from Rita']);
    await postWebhook(hub, channelA, textWebhook({ waId: '351911111111', id: wamid('a-2'), body: 'Are you there?' }));
    const m = await a1.waitFor('new_message', (x) => x.content === 'Are you there?');
    expect(m).toMatchObject({ conversationId: conversationA, senderType: 'prospect', platform: 'whatsapp', messageType: 'text' });
    await a2.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Are you there?');
    expect(a2.events('new_message')).toHaveLength(0);
  });

  it('mark_as_read zeroes the unread count for everyone', async () => {
    const r = await a1.call('mark_as_read', { conversationId: conversationA });
    expect(r.data.unreadCount).toBe(0);
    await a2.waitFor('conversation_updated', (c) => c.id === conversationA && c.unreadCount === 0);
  });

  it('passes typing to colleagues viewing the conversation, rate limited', async () => {
    await a2.call('load_messages', { conversationId: conversationA });
    const first = await a1.call('typing', { conversationId: conversationA, isTyping: true });
    const second = await a1.call('typing', { conversationId: conversationA, isTyping: true });
    expect(first.data.throttled).toBe(false);
    expect(second.data.throttled).toBe(true);
    const t = await a2.waitFor('typing', (e) => e.conversationId === conversationA);
    expect(t).toMatchObject({ isTyping: true, name: 'Admin' });
    expect(a1.events('typing')).toHaveLength(0);
  });

  it('tells colleagues who comes online and goes offline, and heals when a process dies', async () => {
    await hub.request('POST', '/api/users', { token: ownerA, body: { email: 'a3@a.test', password: 'agent-a3-pass', name: 'Agent A3', role: 'agent' } });
    const a3token = await hub.login('a3@a.test', 'agent-a3-pass');
    const a3id = (await hub.deps.tokens.verify(a3token)).userId;
    const status = async () => (await hub.request('GET', '/api/agents', { token: ownerA })).body.find((u: any) => u.id === a3id).status;
    expect(await status()).toBe('offline');
    const first = await AgentSocket.connect(hub.url!, a3token);
    const second = await AgentSocket.connect(hub.url!, a3token);
    await a1.waitFor('presence', (p) => p.userId === a3id && p.status === 'online');
    expect(await status()).toBe('online');
    first.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(a1.events('presence').filter((p) => p.userId === a3id && p.status === 'offline')).toHaveLength(0);
    second.close();
    await a1.waitFor('presence', (p) => p.userId === a3id && p.status === 'offline');
    expect(await status()).toBe('offline');
    // A process that died without saying goodbye: its socket's lease lapses instead of counting forever.
    await hub.deps.redis.zadd(`${hub.config.queuePrefix}:presence:${(await hub.deps.tokens.verify(ownerA)).orgId}:${a3id}`, Date.now() - 1, 'socket-of-a-dead-process');
    expect(await status()).toBe('offline');
  });
});

describe('replies go out with delivery status', () => {
  it('sends a reply once however often it is resent, and moves it from pending to sent to delivered for every viewer', async () => {
    const payload = { conversationId: conversationA, content: 'Yes! How can I help?', clientMessageId: 'cmid-1' };
    const answers = await Promise.all([a1.call('send_message', payload), a1.call('send_message', payload), a1.call('send_message', payload)]);
    const again = await hub.request('POST', `/api/conversations/${conversationA}/messages`, { token: ownerA, body: { content: payload.content, clientMessageId: 'cmid-1' } });
    const ids = new Set([...answers.map((a) => a.data.id), again.body.id]);
    expect(ids.size).toBe(1);
    expect(answers[0]!.data).toMatchObject({ senderType: 'agent', clientMessageId: 'cmid-1', content: 'Yes! How can I help?' });
    const sentMsg = await a2.waitFor('message_updated', (m) => m.clientMessageId === 'cmid-1' && m.status === 'sent');
    await new Promise((r) => setTimeout(r, 300));
    const toPlatform = graph.requests.filter((r) => r.path === `/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(toPlatform).toHaveLength(1);
    expect(JSON.parse(toPlatform[0]!.body)).toMatchObject({ to: '351911111111', type: 'text', text: { body: 'Yes! How can I help?' } });
    expect(toPlatform[0]!.headers.authorization).toBe('Bearer EAAtest');
    const [row] = await hub.deps.orm.em.getConnection().execute('select external_id from messages where id = ?', [sentMsg.id]);
    await postWebhook(hub, channelA, statusWebhook({ id: row.external_id, status: 'delivered', waId: '351911111111' }));
    for (const s of [a1, a2]) await s.waitFor('message_updated', (m) => m.id === sentMsg.id && m.status === 'delivered');
  });

  it('refuses free text outside the 24-hour window before saving or queueing anything', async () => {
    await hub.deps.orm.em.getConnection().execute("update conversations set last_inbound_at = now() - interval '25 hours' where id = ?", [conversationA]);
    const before = graph.requests.length;
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'late reply', clientMessageId: 'late-1' });
    expect(r.error?.code).toBe('window_closed');
    const rest = await hub.request('POST', `/api/conversations/${conversationA}/messages`, { token: ownerA, body: { content: 'late reply' } });
    expect(rest.status).toBe(422);
    expect(rest.body.error.code).toBe('window_closed');
    const [{ n }] = await hub.deps.orm.em.getConnection().execute("select count(*)::int as n from messages where content = 'late reply'");
    expect(n).toBe(0);
    expect(graph.requests.length).toBe(before);
    const conv = (await hub.request('GET', `/api/conversations/${conversationA}`, { token: ownerA })).body;
    expect(new Date(conv.windowClosesAt).getTime()).toBeLessThan(Date.now());
    await hub.deps.orm.em.getConnection().execute('update conversations set last_inbound_at = now() where id = ?', [conversationA]);
  });

  it('retries temporary failures and rate limits with backoff until sent', async () => {
    let calls = 0;
    graph.reset(() => (++calls === 1 ? { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2, is_transient: true } } } : calls === 2 ? { status: 429, body: { error: { message: 'Rate limit hit', code: 130429 } } } : { body: { messages: [{ id: 'wamid.after-retries' }] } }));
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'eventually', clientMessageId: 'retry-1' });
    const m = await a1.waitFor('message_updated', (x) => x.id === r.data.id && x.status === 'sent', 15_000);
    expect(m.error).toBeUndefined();
    expect(calls).toBe(3);
  }, 20_000);

  it('ends failed with the platform reason on a permanent error, and can be retried', async () => {
    graph.reset(() => ({ status: 400, body: { error: { message: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.', type: 'OAuthException', code: 131047, fbtrace_id: 'A1' } } }));
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'doomed', clientMessageId: 'perm-1' });
    const failed = await a1.waitFor('message_updated', (x) => x.id === r.data.id && x.status === 'failed');
    expect(failed.error).toMatch(/24 hours/);
    expect(graph.requests).toHaveLength(1);
    graphOk();
    const retried = await hub.request('POST', `/api/messages/${r.data.id}/retry`, { token: ownerA });
    expect(retried.status).toBe(200);
    await a1.waitFor('message_updated', (x) => x.id === r.data.id && x.status === 'sent');
  });

  it('a hanging platform times out and is retried, not stuck', async () => {
    let calls = 0;
    graph.reset(() => (++calls === 1 ? 'hang' : { body: { messages: [{ id: 'wamid.after-hang' }] } }));
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'slow platform', clientMessageId: 'hang-1' });
    await a1.waitFor('message_updated', (x) => x.id === r.data.id && x.status === 'sent', 15_000);
    expect(calls).toBe(2);
  }, 20_000);

  it('an authorization error fails the message, flags the channel for new credentials and tells the admins live', async () => {
    graph.reset(() => ({ status: 401, body: { error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463 } } }));
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'with stale token', clientMessageId: 'auth-1' });
    const failed = await a1.waitFor('message_updated', (x) => x.id === r.data.id && x.status === 'failed');
    expect(failed.error).toMatch(/access token/);
    const ch = await a1.waitFor('channel_updated', (c) => c.id === channelA && c.status === 'needs_auth');
    expect(ch.statusReason).toMatch(/access token/);
    expect(JSON.stringify(ch)).not.toContain('EAAtest');
    expect(b1.events('channel_updated')).toHaveLength(0);
    // New credentials put the channel back.
    const patched = await hub.request('PATCH', `/api/channels/${channelA}`, { token: ownerA, body: { credentials: { accessToken: 'EAAtest' } } });
    expect(patched.body.status).toBe('active');
  });

  it('an agent reply hands the conversation over from the bot', async () => {
    await a1.call('update_chat_settings', { conversationId: conversationA, botEnabled: true });
    const r = await a1.call('send_message', { conversationId: conversationA, content: 'I will take it from here', clientMessageId: 'handover-1' });
    expect(r.ok).toBe(true);
    const conv = await until(async () => (await hub.request('GET', `/api/conversations/${conversationA}`, { token: ownerA })).body, (c) => c.botEnabled === false);
    expect(conv.lastMessage.content).toBe('I will take it from here');
  });
});
