import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

/** Sessions end when the user's standing changes: REST tokens, and open sockets on every node. */
let hub: TestHub;
let second: TestHub; // another API process on the same database and Redis
let graph: GraphDouble;
let owner: string;
let conversationId: string;
let n = 0;

async function newAgent(role: 'agent' | 'admin' = 'agent') {
  const email = `agent${++n}@sessions.test`;
  const password = `agent-${n}-password`;
  const r = await hub.request('POST', '/api/users', { token: owner, body: { email, password, name: `Agent ${n}`, role } });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, email, password, token: await hub.login(email, password) };
}

const disconnected = (a: AgentSocket) => until(async () => a.socket.connected, (c) => !c, 5000);
const connectError = (url: string, token: string) => AgentSocket.connect(url, token).then(
  (a) => { a.close(); return 'connected'; },
  (e: Error) => e.message,
);

beforeAll(async () => {
  graph = await new GraphDouble().start();
  graph.reset((r) => (r.method === 'POST' ? { body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.sent-${Date.now()}` }] } } : { status: 404, body: {} }));
  hub = await startTestHub();
  second = await startTestHub({ ROLE: 'api', QUEUE_PREFIX: hub.config.queuePrefix, SESSION_SWEEP_MS: '500' }, { databaseUrl: hub.databaseUrl });
  owner = await hub.login();
  const channel = await createWhatsAppChannel(hub, owner, { apiBaseUrl: graph.url });
  const watcher = await AgentSocket.connect(hub.url!, owner);
  await postWebhook(hub, channel.id, textWebhook({ waId: '351922222222', name: 'Marta', id: wamid('s-1'), body: 'Olá, alguém aí?' }));
  conversationId = (await watcher.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Olá, alguém aí?')).id;
  watcher.close();
});
afterAll(async () => {
  await second?.stop();
  await hub?.close();
  await graph?.stop();
});

describe('REST tokens end with the standing they were issued for', () => {
  it('an admin setting a new password, a role change and a disable each make older tokens 401', async () => {
    const a = await newAgent();
    expect((await hub.request('GET', '/api/me', { token: a.token })).status).toBe(200);
    await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { password: 'a-brand-new-password' } });
    expect((await hub.request('GET', '/api/me', { token: a.token })).status).toBe(401);
    const afterPassword = await hub.login(a.email, 'a-brand-new-password');

    await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { role: 'admin' } });
    expect((await hub.request('GET', '/api/me', { token: afterPassword })).status).toBe(401);
    const afterRole = await hub.login(a.email, 'a-brand-new-password');
    expect((await hub.request('GET', '/api/users', { token: afterRole })).status).toBe(200);

    // A rename changes nothing the token stands for: it keeps working.
    await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { name: 'Renamed' } });
    expect((await hub.request('GET', '/api/me', { token: afterRole })).body.name).toBe('Renamed');

    await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { disabled: true } });
    await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { disabled: false } });
    // Enabled again, but the token from before the disable stays dead.
    expect((await hub.request('GET', '/api/me', { token: afterRole })).status).toBe(401);
    expect((await hub.request('GET', '/api/me', { token: await hub.login(a.email, 'a-brand-new-password') })).status).toBe(200);
  });
});

describe('sockets end with their user', () => {
  it("a disabled agent's open socket is closed at once and can send nothing more", async () => {
    const a = await newAgent();
    const socket = await AgentSocket.connect(hub.url!, a.token);
    const sent = await socket.call('send_message', { conversationId, content: 'Bom dia, Marta', clientMessageId: `ok-${n}` });
    expect(sent.ok).toBe(true);

    expect((await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { disabled: true } })).status).toBe(200);
    await disconnected(socket);
    expect(socket.disconnectReason).toBe('io server disconnect');
    expect(await connectError(hub.url!, a.token)).toBe('unauthorized');
    const thread = await hub.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner });
    expect(thread.body.items.map((m: any) => m.content)).toContain('Bom dia, Marta');
    socket.close();
  });

  it('closes the sockets a user has on another API process too (the Redis adapter)', async () => {
    const a = await newAgent();
    const onSecond = await AgentSocket.connect(second.url!, a.token);
    const onFirst = await AgentSocket.connect(hub.url!, a.token);
    expect((await onSecond.call('load_conversations', {})).ok).toBe(true);
    expect((await hub.request('PATCH', `/api/users/${a.id}`, { token: owner, body: { password: 'another-new-password' } })).status).toBe(200);
    await Promise.all([disconnected(onSecond), disconnected(onFirst)]);
    expect(await connectError(second.url!, a.token)).toBe('unauthorized');
    onSecond.close();
    onFirst.close();
  });

  it("a deleted user's socket stops receiving the organization's traffic", async () => {
    const a = await newAgent();
    const gone = await AgentSocket.connect(second.url!, a.token);
    const stays = await AgentSocket.connect(second.url!, owner);
    expect((await hub.request('DELETE', `/api/users/${a.id}`, { token: owner })).status).toBe(204);
    await disconnected(gone);
    // A contact of its own: in Marta's conversation an agent's reply sent within the same second
    // stays the last message (WhatsApp's timestamps are whole seconds, ours are not).
    await postWebhook(hub, (await hub.request('GET', '/api/channels', { token: owner })).body[0].id,
      textWebhook({ waId: '351933333333', name: 'Rui', id: wamid('s-after-delete'), body: 'Ainda estão aí?' }));
    await stays.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Ainda estão aí?', 15_000);
    expect(JSON.stringify(gone.received)).not.toContain('Ainda estão aí?');
    gone.close();
    stays.close();
  });

  it('refuses the next event of a socket whose user changed elsewhere, even if the close request was lost', async () => {
    const a = await newAgent();
    const socket = await AgentSocket.connect(hub.url!, a.token);
    expect((await socket.call('load_conversations', {})).ok).toBe(true);
    // Another process raised the version and its Redis messages never arrived: only the database knows.
    await hub.deps.orm.em.getConnection().execute('update users set token_version = token_version + 1 where id = ?', [a.id]);
    const refused = await until(
      () => (socket.socket.connected ? socket.call('load_conversations', {}) : Promise.resolve({ ok: false, error: { code: 'disconnected', message: '' } })),
      (r) => !r.ok,
      10_000,
      250,
    );
    expect(['unauthorized', 'disconnected']).toContain(refused.error?.code);
    await disconnected(socket);
    socket.close();
  });
});

describe('the sweep behind the immediate close', () => {
  it("closes an idle socket whose user was deleted where no close request came (another deployment's tool, a lost message)", async () => {
    const a = await newAgent();
    const idle = await AgentSocket.connect(second.url!, a.token);
    await hub.deps.orm.em.getConnection().execute('delete from users where id = ?', [a.id]);
    await disconnected(idle);
    expect(idle.disconnectReason).toBe('io server disconnect');
    idle.close();
  });
});

describe('audit of webhook replays', () => {
  it('records who replayed which kept webhook event', async () => {
    const events = await hub.request('GET', '/api/webhook-events', { token: owner });
    const event = events.body[0];
    expect((await hub.request('POST', `/api/webhook-events/${event.id}/replay`, { token: owner })).status).toBe(202);
    const log = await hub.request('GET', '/api/audit-log', { token: owner });
    expect(log.body.items[0]).toMatchObject({ action: 'webhook_event.replay', actorEmail: 'owner@hub.test', targetType: 'webhook_event', targetId: event.id, details: { channelId: event.channelId } });
  });
});
