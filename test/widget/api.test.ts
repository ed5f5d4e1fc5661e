/**
 * The website live chat's visitor API and `/widget` namespace on a real hub (Postgres, Redis,
 * workers): origins, identity, the visitor's own thread only, idempotent sends through the
 * ingest pipeline, live delivery with delivered/read receipts, typing both ways, rate limits.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { startTestHub, type TestHub } from '../support/hub.js';
import { AgentSocket } from '../support/agent.js';
import { publishWidgetEvent } from '../../src/queue/widget-events.js';
import { redisKeys } from '../../src/queue/redis-keys.js';

const SITE = 'http://127.0.0.1:45871';
const OTHER = 'http://127.0.0.1:45872';
const SECRET = 'site-identity-secret-0123456789';
const UPLOAD_LIMIT = 64 * 1024;
/** A 2x2 red PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');
const hash = (id: string, secret = SECRET) => createHmac('sha256', secret).update(id).digest('hex');

let hub: TestHub;
let token: string;
let channel: any;
let strict: any;
/** The widget's configuration before any agent was online. */
let offline: any;
let agent: AgentSocket;
const sockets: Socket[] = [];

const session = (body: Record<string, unknown>, origin: string | null = SITE) =>
  hub.request('POST', '/widget/v1/sessions', { body: { websiteToken: channel.websiteToken, ...body }, headers: origin ? { origin } : {} });
const send = (visitorToken: string, body: Record<string, unknown>) =>
  hub.request('POST', '/widget/v1/messages', { body, headers: { authorization: `Bearer ${visitorToken}`, origin: SITE } });
const thread = (visitorToken: string, query = '') =>
  hub.request('GET', `/widget/v1/messages${query}`, { headers: { authorization: `Bearer ${visitorToken}`, origin: SITE } });

/** Node's client sends no Origin (a browser's is checked: test/e2e/widget.test.ts). */
function visitorSocket(visitorToken: string): Promise<Socket> {
  const s = connect(`${hub.url}/widget`, { auth: { visitorToken }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}
const emit = (s: Socket, event: string, payload: unknown): Promise<any> => new Promise((resolve) => s.emit(event, payload, resolve));

async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('website live chat: visitor API', () => {
  beforeAll(async () => {
    hub = await startTestHub({ WIDGET_MESSAGES_PER_MINUTE: '8', UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT) });
    token = await hub.login();
    const created = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'web_chat', name: 'Shop chat', credentials: { allowedOrigins: [SITE], identitySecret: SECRET, welcomeMessage: 'Hi there!' } },
    });
    expect(created.status).toBe(201);
    channel = created.body;
    const s = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'web_chat', name: 'Members chat', credentials: { allowedOrigins: [SITE], identitySecret: SECRET, requireIdentity: true } },
    });
    strict = s.body;
    offline = (await hub.request('GET', `/widget/v1/config?websiteToken=${channel.websiteToken}`, { headers: { origin: SITE } })).body;
    agent = await AgentSocket.connect(hub.url!, token);
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    agent?.socket.disconnect();
    await hub?.close();
  });

  it('answers the channel with its websiteToken and snippet, the identity secret masked', async () => {
    expect(channel).toMatchObject({ kind: 'web_chat', platform: 'web', status: 'active' });
    expect(channel.embedSnippet).toBe(`<script src="${hub.deps.publicUrl}/widget.js" data-website-token="${channel.websiteToken}" async></script>`);
    expect(channel.credentials.identitySecret).toBe('********');
    expect(offline).toMatchObject({ title: 'Shop chat', welcomeMessage: 'Hi there!', agentsOnline: false, preChatForm: false, prompts: [] });
    await waitFor(async () => (await hub.request('GET', `/widget/v1/config?websiteToken=${channel.websiteToken}`)).body.agentsOnline, 'the agent online');
    expect(JSON.stringify(channel)).not.toContain(SECRET);
    const loader = await fetch(`${hub.url}/widget.js`);
    expect(loader.status).toBe(200);
    expect(loader.headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses a session from an origin the channel does not allow, or with no origin, and a made-up websiteToken', async () => {
    expect((await session({}, OTHER)).status).toBe(403);
    expect((await session({}, null)).status).toBe(403);
    const forged = channel.websiteToken.slice(0, -1) + (channel.websiteToken.endsWith('A') ? 'B' : 'A');
    expect((await hub.request('POST', '/widget/v1/sessions', { body: { websiteToken: forged }, headers: { origin: SITE } })).status).toBe(404);
    const cfg = await hub.request('GET', `/widget/v1/config?websiteToken=${channel.websiteToken}`, { headers: { origin: OTHER } });
    expect(cfg.status).toBe(403);
    const frame = await fetch(`${hub.url}/widget/frame?websiteToken=${channel.websiteToken}`);
    expect(frame.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${SITE}`);
  });

  it('refuses a wrong identifier hash, and with requireIdentity a missing one', async () => {
    const wrong = await session({ identifier: 'user-1', identifierHash: hash('user-1', 'not-the-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    const body = { websiteToken: strict.websiteToken };
    expect((await hub.request('POST', '/widget/v1/sessions', { body, headers: { origin: SITE } })).status).toBe(401);
    expect((await hub.request('POST', '/widget/v1/sessions', { body: { ...body, identifier: 'user-1' }, headers: { origin: SITE } })).status).toBe(401);
    const ok = await hub.request('POST', '/widget/v1/sessions', { body: { ...body, identifier: 'user-1', identifierHash: hash('user-1') }, headers: { origin: SITE } });
    expect(ok.status).toBe(200);
  });

  it('takes a visitor message through the pipeline once per clientMessageId, and the agents see it live', async () => {
    const s = await session({ name: 'Ana' });
    expect(s.status).toBe(200);
    expect(s.body.conversationId).toBeUndefined();
    const clientMessageId = randomUUID();
    const first = await send(s.body.visitorToken, { content: 'Is the blue jacket in stock?', clientMessageId });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ content: 'Is the blue jacket in stock?', senderType: 'prospect', platform: 'web', clientMessageId, senderId: s.body.visitor.id });
    const again = await send(s.body.visitorToken, { content: 'Is the blue jacket in stock?', clientMessageId });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const live = await agent.waitFor('conversation_updated', (c) => c.id === first.body.conversationId);
    expect(live).toMatchObject({ platform: 'web', channelId: channel.id, lastMessage: { id: first.body.id }, prospect: { name: 'Ana' } });
    const page = await thread(s.body.visitorToken);
    expect(page.body.items.map((m: any) => m.id)).toEqual([first.body.id]);
    // The session now names the conversation.
    expect((await session({ visitorToken: s.body.visitorToken })).body).toMatchObject({ visitor: { id: s.body.visitor.id }, conversationId: first.body.conversationId });
  });

  it('pushes an agent reply to the widget live: delivered when the widget has it, read when the visitor saw it', async () => {
    const s = await session({ name: 'Bruno' });
    const v = s.body.visitorToken;
    const mine = await send(v, { content: 'Do you ship to Porto?', clientMessageId: randomUUID() });
    // The agent has the conversation open (its room), as in the inbox.
    await new Promise<void>((resolve) => agent.socket.emit('load_messages', { conversationId: mine.body.conversationId }, () => resolve()));
    const ws = await visitorSocket(v);
    const received: any[] = [];
    ws.on('new_message', (m: any, ack: (ok: boolean) => void) => {
      received.push(m);
      ack(true);
    });
    const typing = new Promise((resolve) => ws.on('typing', resolve));
    agent.socket.emit('typing', { conversationId: mine.body.conversationId, isTyping: true }, () => undefined);
    await expect(typing).resolves.toMatchObject({ isTyping: true });

    const reply = await hub.request('POST', `/api/conversations/${mine.body.conversationId}/messages`, { token, body: { content: 'Yes, in two days.' } });
    expect(reply.status).toBe(201);
    await waitFor(async () => received.find((m) => m.id === reply.body.id), 'the reply at the widget');
    expect(received.find((m) => m.id === reply.body.id)).toMatchObject({ content: 'Yes, in two days.', senderType: 'agent', senderId: 'agent' });
    await agent.waitFor('message_updated', (m) => m.id === reply.body.id && m.status === 'delivered');
    const read = await emit(ws, 'mark_as_read', {});
    expect(read).toEqual({ ok: true, data: { read: 1 } });
    await agent.waitFor('message_updated', (m) => m.id === reply.body.id && m.status === 'read');

    // The visitor typing reaches the agent who has the conversation open.
    await emit(ws, 'typing', { isTyping: true });
    await agent.waitFor('typing', (t) => t.conversationId === mine.body.conversationId && t.name === 'Bruno' && t.isTyping);

    // A socket send is the same as a REST one.
    const viaSocket = await emit(ws, 'send_message', { content: 'Great, thanks', clientMessageId: 'sock-1' });
    expect(viaSocket).toMatchObject({ ok: true, data: { content: 'Great, thanks', clientMessageId: 'sock-1' } });
    const history = await emit(ws, 'load_messages', {});
    expect(history.data.items.map((m: any) => m.content)).toEqual(['Do you ship to Porto?', 'Yes, in two days.', 'Great, thanks']);
  });

  it('a reply the widget shows is read even while its sending is still being recorded; one it does not show is not', async () => {
    const s = await session({ name: 'Clara' });
    const v = s.body.visitorToken;
    const mine = await send(v, { content: 'Is the shop open on Sunday?', clientMessageId: randomUUID() });
    const ws = await visitorSocket(v);
    const status = async (id: string) => (await hub.request('GET', `/api/conversations/${mine.body.conversationId}/messages`, { token })).body.items.find((m: any) => m.id === id)?.status;
    // The worker has not recorded the sendings yet: the replies wait in their queue, pending.
    await hub.deps.queues.outbound.pause();
    try {
      const shown = await hub.request('POST', `/api/conversations/${mine.body.conversationId}/messages`, { token, body: { content: 'Yes, 10 to 4.' } });
      const other = await hub.request('POST', `/api/conversations/${mine.body.conversationId}/messages`, { token, body: { content: 'And 9 to 5 on weekdays.' } });
      expect([shown.status, other.status]).toEqual([201, 201]);
      expect([await status(shown.body.id), await status(other.body.id)]).toEqual(['pending', 'pending']);
      // Without `shown` (an older widget), a pending reply is not read; malformed, a clear error.
      expect(await emit(ws, 'mark_as_read', {})).toEqual({ ok: true, data: { read: 0 } });
      expect(await emit(ws, 'mark_as_read', { shown: 'all' })).toMatchObject({ ok: false, error: { code: 'validation_error' } });
      expect(await emit(ws, 'mark_as_read', { shown: [shown.body.id] })).toEqual({ ok: true, data: { read: 1 } });
      expect([await status(shown.body.id), await status(other.body.id)]).toEqual(['read', 'pending']);
      // The same over REST, with a body or without one.
      const rest = (body?: unknown) => hub.request('POST', '/widget/v1/read', { token: v, ...(body === undefined ? {} : { body }) });
      expect(await rest()).toMatchObject({ status: 200, body: { read: 0 } });
      expect((await rest({ shown: ['nope'] })).status).toBe(400);
      expect(await rest({ shown: [other.body.id] })).toMatchObject({ status: 200, body: { read: 1 } });
      expect(await status(other.body.id)).toBe('read');
    } finally {
      await hub.deps.queues.outbound.resume();
    }
  });

  it("never shows a visitor an agent's private note, on any path, while an ordinary reply arrives", async () => {
    const s = await session({ name: 'Gil' });
    const v = s.body.visitorToken;
    const mine = await send(v, { content: 'Any discount for students?', clientMessageId: randomUUID() });
    const conversationId = mine.body.conversationId;
    const ws = await visitorSocket(v);
    const pushed: any[] = [];
    ws.on('new_message', (m: any, ack: (ok: boolean) => void) => (pushed.push(m), ack(true)));
    ws.on('message_updated', (m: any) => pushed.push(m));

    const byRest = await hub.request('POST', `/api/conversations/${conversationId}/messages`, {
      token, body: { content: 'NOTE-REST: check their student card', clientMessageId: 'gil-note-1', private: true },
    });
    expect(byRest.status).toBe(201);
    expect(byRest.body).toMatchObject({ private: true, status: 'sent' });
    const bySocket = await agent.call('send_message', { conversationId, content: 'NOTE-SOCKET: 10% at most', clientMessageId: 'gil-note-2', private: true });
    expect(bySocket).toMatchObject({ ok: true, data: { private: true } });
    const notes = [byRest.body.id, bySocket.data.id];
    // A change to a note (live.ts), and even a delivery or push naming one, stays with the agents.
    await hub.deps.live.messagesUpdated(notes);
    const keys = redisKeys(hub.deps.config.queuePrefix);
    await publishWidgetEvent(hub.deps.redis, keys, { kind: 'messages', event: 'new_message', messageIds: notes });
    for (const messageId of notes) await publishWidgetEvent(hub.deps.redis, keys, { kind: 'deliver', visitorId: s.body.visitor.id, messageId });

    const reply = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token, body: { content: 'Yes: 10% with a student card.' } });
    expect(reply.status).toBe(201);
    await waitFor(async () => pushed.find((m) => m.id === reply.body.id), 'the reply at the widget');
    const page = await thread(v);
    expect(page.body.items.map((m: any) => m.content)).toEqual(['Any discount for students?', 'Yes: 10% with a student card.']);
    const history = await emit(ws, 'load_messages', {});
    expect(history.data.items.map((m: any) => m.id)).toEqual([mine.body.id, reply.body.id]);
    expect(await emit(ws, 'mark_as_read', {})).toEqual({ ok: true, data: { read: 1 } });
    await waitFor(async () => pushed.find((m) => m.id === reply.body.id && m.status === 'read'), 'the read receipt at the widget');
    expect(JSON.stringify([pushed, page.body, history])).not.toMatch(/NOTE-/);
    expect(pushed.filter((m) => notes.includes(m.id))).toEqual([]);
    // The notes stay as written: nothing the widget did marked them delivered or read.
    const agentView = await hub.request('GET', `/api/conversations/${conversationId}/messages`, { token });
    expect(agentView.body.items.filter((m: any) => m.private).map((m: any) => m.status)).toEqual(['sent', 'sent']);
  });

  it('never shows a visitor anything of another visitor, by any id', async () => {
    const a = await session({ name: 'Carla' });
    const b = await session({ name: 'Duarte' });
    const secret = await send(a.body.visitorToken, { content: 'My order number is 5521', clientMessageId: 'a-1' });
    await send(b.body.visitorToken, { content: 'Hello', clientMessageId: 'b-1' });
    const other = await thread(b.body.visitorToken, `?before=${secret.body.seq + 1}`);
    expect(JSON.stringify(other.body)).not.toContain('5521');
    // The same clientMessageId from another visitor is their own message, not Carla's.
    const reuse = await send(b.body.visitorToken, { content: 'again', clientMessageId: 'a-1' });
    expect(reuse.body.id).not.toBe(secret.body.id);
    expect(JSON.stringify(reuse.body)).not.toContain('5521');
    // Another visitor's upload id cannot be sent, and a token for one channel says nothing of another's.
    expect((await send(b.body.visitorToken, { content: 'x', clientMessageId: 'b-2', attachmentIds: [randomUUID()] })).status).toBe(400);
    const [vid, , tag] = a.body.visitorToken.split('.');
    expect((await thread(`${vid}.${strict.id}.${tag}`)).status).toBe(401);
    expect((await thread('garbage')).status).toBe(401);
    // Nor from a page of another origin; nor a socket without a good token.
    expect((await hub.request('GET', '/widget/v1/messages', { headers: { authorization: `Bearer ${a.body.visitorToken}`, origin: OTHER } })).status).toBe(403);
    await expect(visitorSocket(`${vid}.${strict.id}.${tag}`)).rejects.toThrow(/unauthorized/);
  });

  it('continues the same visitor and conversation for a verified identifier on another device, and links a verified email to its client', async () => {
    const client = await hub.request('POST', '/api/clients', { token, body: { firstName: 'Eva', lastName: 'Lima', email: 'eva@example.com', phone: '+351910000000' } });
    expect(client.status).toBe(201);
    const phone = await session({ identifier: 'cust-77', identifierHash: hash('cust-77'), email: 'eva@example.com', name: 'Eva' });
    const first = await send(phone.body.visitorToken, { content: 'Started on my phone', clientMessageId: 'p-1' });
    const laptop = await session({ identifier: 'cust-77', identifierHash: hash('cust-77') });
    expect(laptop.body.visitor.id).toBe(phone.body.visitor.id);
    expect(laptop.body.conversationId).toBe(first.body.conversationId);
    expect((await thread(laptop.body.visitorToken)).body.items.map((m: any) => m.content)).toEqual(['Started on my phone']);
    // Without the proof (they signed out of the site), this browser's token is a new anonymous visitor.
    const signedOut = await session({ visitorToken: laptop.body.visitorToken });
    expect(signedOut.body.visitor.id).not.toBe(phone.body.visitor.id);
    expect((await thread(signedOut.body.visitorToken)).body.items).toEqual([]);
    const conv = await hub.request('GET', `/api/conversations/${first.body.conversationId}`, { token });
    expect(conv.body).toMatchObject({ platform: 'web', clientId: client.body.id, isClientConverted: true });
  });

  it('takes a visitor file within the upload limit: an inline image for the agent, and the visitor sees it too', async () => {
    const s = await session({ name: 'Filipa' });
    const v = s.body.visitorToken;
    const upload = async (body: Blob, name: string) => {
      const form = new FormData();
      form.append('file', body, name);
      const res = await fetch(`${hub.url}/widget/v1/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${v}`, origin: SITE } });
      return { status: res.status, body: await res.json() };
    };
    expect((await upload(new Blob([Buffer.alloc(UPLOAD_LIMIT + 1)]), 'big.bin')).status).toBe(413);
    const up = await upload(new Blob([PNG], { type: 'image/png' }), 'jacket.png');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ kind: 'image', fileName: 'jacket.png', fileType: 'image/png' });
    const sent = await send(v, { content: 'This one', clientMessageId: 'img-1', attachmentIds: [up.body.id] });
    expect(sent.status).toBe(201);
    expect(sent.body.messageType).toBe('image');
    const ready = await agent.waitFor('conversation_updated', (c) => c.id === sent.body.conversationId).then(() =>
      waitFor(async () => {
        const page = await thread(v);
        const m = page.body.items.find((x: any) => x.id === sent.body.id);
        return m?.metadata?.attachments?.[0]?.status === 'ready' && m;
      }, 'the attachment copied to the message'));
    const file = await fetch(`${hub.url}${ready.metadata.attachments[0].url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    // Sent once: the upload is not another visitor's to send, and not this one's again as a new file.
    const other = await session({});
    expect((await send(other.body.visitorToken, { content: 'mine?', clientMessageId: 'img-2', attachmentIds: [up.body.id] })).status).toBe(400);
  });

  it('lets the bot answer in the widget as on any channel', async () => {
    const bot = await hub.request('POST', '/api/channels', {
      token, body: { kind: 'web_chat', name: 'Bot chat', botEnabledDefault: true, credentials: { allowedOrigins: [SITE] } },
    });
    const prompt = await hub.request('POST', '/api/bot/prompts', { token, body: { kind: 'keyword', keyword: 'opening hours', response: 'We open at 9.', channelId: bot.body.id } });
    expect(prompt.status).toBe(201);
    const s = await hub.request('POST', '/widget/v1/sessions', { body: { websiteToken: bot.body.websiteToken }, headers: { origin: SITE } });
    const ws = await visitorSocket(s.body.visitorToken);
    const answer = new Promise<any>((resolve) => ws.on('new_message', (m: any, ack: (ok: boolean) => void) => (ack(true), m.senderType === 'bot' && resolve(m))));
    await emit(ws, 'send_message', { content: 'What are your opening hours?', clientMessageId: 'bot-1' });
    await expect(answer).resolves.toMatchObject({ senderType: 'bot', content: 'We open at 9.', senderId: 'bot' });
  });

  it('answers 429 to a visitor who sends too fast', async () => {
    const s = await session({});
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(s.body.visitorToken, { content: `n${i}`, clientMessageId: `r-${i}` })).status);
    expect(statuses.slice(0, 8).every((x) => x === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
