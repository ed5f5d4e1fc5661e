/**
 * Private notes, @mentions and notifications against a real hub (Postgres, Redis, workers),
 * real Socket.IO clients and the Graph API double standing in for WhatsApp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let graph: GraphDouble;
let owner: string;
let agent: string;
let agentId: string;
let ownerId: string;
let otherOwner: string;
let otherOrgUserId: string;
let channelId: string;
let conversationId: string;
let ownerSocket: AgentSocket;
let agentSocket: AgentSocket;
let otherSocket: AgentSocket;
let sent = 0;

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graph.reset((r) => (r.method === 'POST' ? { body: { messaging_product: 'whatsapp', contacts: [{ input: '351911111111', wa_id: '351911111111' }], messages: [{ id: `wamid.sent-${++sent}` }] } } : { status: 404, body: {} }));
  hub = await startTestHub();
  owner = await hub.login();
  ownerId = (await hub.request('GET', '/api/me', { token: owner })).body.id;
  agentId = (await hub.request('POST', '/api/users', { token: owner, body: { email: 'ana@a.test', password: 'agent-ana-pass', name: 'Ana', role: 'agent' } })).body.id;
  agent = await hub.login('ana@a.test', 'agent-ana-pass');
  await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Org B', admin: { email: 'b@b.test', password: 'b-password-1' } } });
  otherOwner = await hub.login('b@b.test', 'b-password-1');
  otherOrgUserId = (await hub.request('GET', '/api/users', { token: otherOwner })).body.find((u: any) => u.email === 'b@b.test').id;
  channelId = (await createWhatsAppChannel(hub, owner, { apiBaseUrl: graph.url })).id;
  [ownerSocket, agentSocket, otherSocket] = await Promise.all([owner, agent, otherOwner].map((t) => AgentSocket.connect(hub.url!, t)));
  await postWebhook(hub, channelId, textWebhook({ waId: '351911111111', name: 'Rita', id: wamid('n-1'), body: 'Hello, I need help' }));
  conversationId = (await ownerSocket.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hello, I need help')).id;
  expect(ownerId).toBeTruthy();
});
afterAll(async () => {
  for (const s of [ownerSocket, agentSocket, otherSocket]) s?.close();
  await hub?.close();
  await graph?.stop();
});

describe('private notes', () => {
  it('are stored and shown to agents, flagged private, with no outbound job and nothing reaching the platform', async () => {
    await ownerSocket.call('load_messages', { conversationId });
    const before = graph.requests.length;
    const r = await ownerSocket.call('send_message', { conversationId, content: 'Internal: she is a VIP', clientMessageId: 'note-1', private: true });
    expect(r.ok).toBe(true);
    expect(r.data).toMatchObject({ content: 'Internal: she is a VIP', private: true, senderType: 'agent', status: 'sent' });
    const live = await ownerSocket.waitFor('new_message', (m) => m.id === r.data.id);
    expect(live.private).toBe(true);
    // An ordinary reply right after goes out: the outbound worker is running, so the note's silence is its own.
    const reply = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner, body: { content: 'A real reply' } });
    expect(reply.status).toBe(201);
    await until(async () => graph.requests.filter((q) => q.body.includes('A real reply')).length, (n) => n === 1);
    expect(graph.requests.slice(before).filter((q) => q.body.includes('VIP'))).toHaveLength(0);
    expect(await hub.deps.queues.outbound.getJob(`out-${r.data.id}`)).toBeUndefined();
    expect(await hub.deps.queues.outbound.getJob(`out-${reply.body.id}`)).toBeDefined();
    const thread = await hub.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner });
    const note = thread.body.items.find((m: any) => m.id === r.data.id);
    expect(note).toMatchObject({ private: true, status: 'sent' });
    expect(thread.body.items.find((m: any) => m.id === reply.body.id).private).toBeUndefined();
    // The note is not the conversation's last message (that is what lists and previews show).
    const conv = (await hub.request('GET', `/api/conversations/${conversationId}`, { token: owner })).body;
    expect(conv.lastMessage.content).toBe('A real reply');
  });

  it('over REST too, once per clientMessageId', async () => {
    const body = { content: 'REST note', clientMessageId: 'note-rest', private: true };
    const a = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token: agent, body });
    const b = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token: agent, body });
    expect(a.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(a.body.private).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(graph.requests.filter((q) => q.body.includes('REST note'))).toHaveLength(0);
  });

  it('refuses mentions outside a note, an empty note and files in a note', async () => {
    for (const body of [
      { content: 'hi @Ana', mentions: [agentId] },
      { content: '', private: true },
      { content: 'x', private: true, attachments: [{ url: 'https://example.invalid/a.png' }] },
    ]) {
      const r = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_error');
    }
  });
});

describe('mentions', () => {
  it('notify the mentioned agent only, stored and live', async () => {
    const r = await ownerSocket.call('send_message', { conversationId, content: '@Ana can you take this one?', clientMessageId: 'note-m1', private: true, mentions: [agentId] });
    expect(r.ok).toBe(true);
    const pushed = await agentSocket.waitFor('notification', (n) => n.messageId === r.data.id);
    expect(pushed).toMatchObject({ type: 'mention', conversationId, messageId: r.data.id });
    expect(pushed.text).toContain('can you take this one?');
    expect(pushed.readAt).toBeUndefined();
    const list = await hub.request('GET', '/api/notifications', { token: agent });
    expect(list.status).toBe(200);
    expect(list.body.items.filter((n: any) => n.type === 'mention')).toEqual([pushed]);
    await new Promise((r) => setTimeout(r, 200));
    expect(ownerSocket.events('notification').filter((n) => n.type === 'mention')).toHaveLength(0);
    expect(otherSocket.events('notification')).toHaveLength(0);
    // Sending the same note again notifies nobody again.
    await ownerSocket.call('send_message', { conversationId, content: '@Ana can you take this one?', clientMessageId: 'note-m1', private: true, mentions: [agentId] });
    await new Promise((r) => setTimeout(r, 200));
    expect(agentSocket.events('notification').filter((n) => n.type === 'mention')).toHaveLength(1);
  });

  it("refuses another organization's user, an unknown id or a disabled agent, storing nothing", async () => {
    const bob = (await hub.request('POST', '/api/users', { token: owner, body: { email: 'bob@a.test', password: 'agent-bob-pass', name: 'Bob', role: 'agent' } })).body.id;
    expect((await hub.request('PATCH', `/api/users/${bob}`, { token: owner, body: { disabled: true } })).status).toBe(200);
    for (const [i, who] of [otherOrgUserId, '00000000-0000-4000-8000-000000000000', bob].entries()) {
      const r = await ownerSocket.call('send_message', { conversationId, content: `hey ${i}`, clientMessageId: `bad-m${i}`, private: true, mentions: [who] });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid_mention' } });
    }
    const thread = await hub.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner });
    expect(thread.body.items.filter((m: any) => /^hey \d$/.test(m.content))).toHaveLength(0);
    expect((await hub.request('GET', '/api/notifications', { token: otherOwner })).body.items).toHaveLength(0);
    expect(otherSocket.events('notification')).toHaveLength(0);
    const malformed = await ownerSocket.call('send_message', { conversationId, content: 'x', private: true, mentions: ['not-a-uuid'] });
    expect(malformed.error?.code).toBe('validation_error');
  });
});

describe('notifications', () => {
  it('tell every agent of a new unassigned conversation, and the assignee when someone else assigns it', async () => {
    await postWebhook(hub, channelId, textWebhook({ waId: '351922222222', name: 'Marta', id: wamid('n-2'), body: 'New here' }));
    const [forOwner, forAgent] = await Promise.all([ownerSocket, agentSocket].map((s) => s.waitFor('notification', (n) => n.type === 'new_conversation' && n.text.includes('Marta'))));
    expect(forOwner.conversationId).toBe(forAgent.conversationId);
    expect(forOwner.id).not.toBe(forAgent.id);
    const marta = forOwner.conversationId;
    // A second message in the same conversation is not a new conversation.
    await postWebhook(hub, channelId, textWebhook({ waId: '351922222222', name: 'Marta', id: wamid('n-3'), body: 'Still here' }));
    await ownerSocket.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Still here');
    await new Promise((r) => setTimeout(r, 200));
    expect(agentSocket.events('notification').filter((n) => n.type === 'new_conversation' && n.conversationId === marta)).toHaveLength(1);

    expect((await hub.request('PATCH', `/api/conversations/${marta}`, { token: owner, body: { assignedTo: agentId } })).status).toBe(200);
    const assigned = await agentSocket.waitFor('notification', (n) => n.type === 'assigned');
    expect(assigned).toMatchObject({ conversationId: marta });
    expect(assigned.text).toContain('Marta');
    // Taking a conversation yourself is no news to you.
    expect((await hub.request('PATCH', `/api/conversations/${conversationId}`, { token: owner, body: { assignedTo: ownerId } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(ownerSocket.events('notification').filter((n) => n.type === 'assigned')).toHaveLength(0);
  });

  it('are listed for their own user only, paginated, with the unread total, and marked read', async () => {
    const mine = await hub.request('GET', '/api/notifications', { token: agent });
    const total = mine.body.items.length;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(mine.body.unreadCount).toBe(total);
    const ownerList = await hub.request('GET', '/api/notifications', { token: owner });
    const agentIds = new Set(mine.body.items.map((n: any) => n.id));
    expect(ownerList.body.items.some((n: any) => agentIds.has(n.id))).toBe(false);

    const first = await hub.request('GET', '/api/notifications?limit=1', { token: agent });
    expect(first.body.items).toHaveLength(1);
    const second = await hub.request('GET', `/api/notifications?limit=1&cursor=${first.body.nextCursor}`, { token: agent });
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.items[0].createdAt <= first.body.items[0].createdAt).toBe(true);
    expect((await hub.request('GET', '/api/notifications?cursor=garbage', { token: agent })).status).toBe(400);

    const target = mine.body.items[0];
    // Someone else's notification, an unknown and a malformed id are the same 404.
    for (const id of [target.id, '00000000-0000-4000-8000-000000000000', 'nope']) {
      const r = await hub.request('POST', `/api/notifications/${id}/read`, { token: owner });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    expect((await hub.request('POST', `/api/notifications/${target.id}/read`, { token: otherOwner })).status).toBe(404);
    const read = await hub.request('POST', `/api/notifications/${target.id}/read`, { token: agent });
    expect(read.status).toBe(200);
    expect(read.body.readAt).toBeTruthy();
    const again = await hub.request('POST', `/api/notifications/${target.id}/read`, { token: agent });
    expect(again.body.readAt).toBe(read.body.readAt);
    expect((await hub.request('GET', '/api/notifications', { token: agent })).body.unreadCount).toBe(total - 1);

    const all = await hub.request('POST', '/api/notifications/read-all', { token: agent });
    expect(all.body.marked).toBe(total - 1);
    expect((await hub.request('GET', '/api/notifications', { token: agent })).body.unreadCount).toBe(0);
    expect((await hub.request('GET', '/api/notifications', { token: owner })).body.unreadCount).toBeGreaterThan(0);
    expect((await hub.request('GET', '/api/notifications')).status).toBe(401);
  });
});
