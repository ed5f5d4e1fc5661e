// WhatsApp Web through the hub: stand-in whatsapp-web.js Client <-> session (PullRunner lease) <-> BullMQ <-> Postgres <-> sockets.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureWhatsAppWeb, whatsappWeb } from '../../connectors/whatsapp-web/index.js';
import { StandInWhatsApp, type StandInClient } from '../../connectors/whatsapp-web/testing/stand-in-client.js';
import { AgentSocket, until } from '../support/agent.js';
import { createTestDatabase, startTestHub, type TestHub } from '../support/hub.js';
import { sqlOf } from './support/db.js';

const wa = new StandInWhatsApp();
configureWhatsAppWeb({
  createClient: wa.factory,
  backoff: { initialMs: 400, maxMs: 3_000 },
  watchdog: { intervalMs: 100, probeTimeoutMs: 500, badPollsBeforeRestart: 2, silentMs: 60_000 },
});
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const MARTA = wa.person({ phone: '34600111222', lid: '207112233445566@lid', pushname: 'Marta' });
const MARTA_CUS = '34600111222@c.us';

describe('whatsapp web on a stand-in Client', () => {
  let hub: TestHub;
  let token: string;
  let admin: AgentSocket;
  let agent: AgentSocket;
  let channelId: string;
  let conversationId: string;
  const { q, count } = sqlOf(() => hub);
  const client = () => wa.current as StandInClient;
  const channel = async () => (await hub.request('GET', `/api/channels/${channelId}`, { token })).body;
  const messageBy = (externalId: string) => until(() => q('select * from messages where external_id = ?', [externalId]), (r) => r.length > 0).then((r) => r[0]);

  beforeAll(async () => {
    hub = await startTestHub();
    token = await hub.login();
    admin = await AgentSocket.connect(hub.url!, token);
    const created = await hub.request('POST', '/api/users', { token, body: { email: 'agent@wa.test', password: 'agent-password-1', name: 'Agent', role: 'agent' } });
    expect(created.status, created.text).toBe(201);
    agent = await AgentSocket.connect(hub.url!, await hub.login('agent@wa.test', 'agent-password-1'));
  });
  afterAll(async () => {
    admin?.close();
    agent?.close();
    await hub?.close();
  });

  it('is created enabled, shows the QR while pairing (API and admin socket, not agents), and refreshes it on rotation', async () => {
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Shop phone' } });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ status: 'connecting', bestEffort: true });
    channelId = r.body.id;
    const pairing = await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'pairing', 15_000);
    expect(pairing.pairing.qr).toMatch(/^2@stand-in-qr-1,/);
    expect(pairing.pairing.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(Date.parse(pairing.pairing.expiresAt)).toBeGreaterThan(Date.now());
    expect((await channel()).pairing.qr).toBe(pairing.pairing.qr);
    client().showLogin();
    const rotated = await admin.waitFor('channel_updated', (c) => c.id === channelId && c.pairing?.qr?.startsWith('2@stand-in-qr-2,'));
    expect(rotated.pairing.qrDataUrl).not.toBe(pairing.pairing.qrDataUrl);
    expect(agent.events('channel_updated')).toHaveLength(0);
  });

  it('goes active once the phone links, without a pairing block', async () => {
    await client().link();
    await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'active');
    const ch = await channel();
    expect(ch.status).toBe('active');
    expect(ch.pairing).toBeUndefined();
  });

  it('stores an inbound text as a prospect keyed by phone; the same person by @lid is the same prospect with both ids kept', async () => {
    const m1 = client().receive(MARTA_CUS, 'Hola, ¿tenéis la talla M?', { _data: { notifyName: 'Marta' } });
    const row = await messageBy(m1.id._serialized);
    expect(row).toMatchObject({ content: 'Hola, ¿tenéis la talla M?', sender_type: 'prospect' });
    conversationId = row.conversation_id;
    const m2 = client().receive(MARTA.lid!, 'Os escribo desde el otro móvil');
    const row2 = await messageBy(m2.id._serialized);
    expect(row2.conversation_id).toBe(conversationId);
    expect(await count('prospects')).toBe(1);
    const [p] = await q('select external_id, identifier, identifier_type, name from prospects');
    expect(p).toMatchObject({ external_id: MARTA_CUS, identifier: '+34600111222', identifier_type: 'phone', name: 'Marta' });
    expect(row2.metadata.whatsapp).toMatchObject({ chatId: MARTA.lid, lid: MARTA.lid, phoneId: MARTA_CUS });
  });

  it('stores media (through the media job), quoted replies, reactions, edits and revokes', async () => {
    const first = (await q('select external_id from messages where conversation_id = ? order by created_at limit 1', [conversationId]))[0].external_id;
    const img = client().receive(MARTA_CUS, 'Esta', { type: 'image' }, { media: { mimetype: 'image/png', data: PNG.toString('base64'), filename: 'talla.png' } });
    const imgRow = await messageBy(img.id._serialized);
    expect(imgRow.message_type).toBe('image');
    const att = await until(() => q('select status, mime_type, file_size from attachments where message_id = ?', [imgRow.id]), (r) => r[0]?.status === 'ready');
    expect(att[0]).toMatchObject({ mime_type: 'image/png', file_size: PNG.length });

    const quoted = client().receive(MARTA_CUS, 'Lo que te pregunté antes', {}, { quoted: first });
    expect((await messageBy(quoted.id._serialized)).metadata.replyTo).toBe(first);

    client().react(first, MARTA_CUS, '👍');
    await until(() => q('select metadata from messages where external_id = ?', [first]), (r) => r[0].metadata.reactions?.[MARTA_CUS] === '👍');

    client().edit(quoted.id._serialized, 'Lo que te pregunté antes (la M)');
    await until(() => q('select content, metadata from messages where external_id = ?', [quoted.id._serialized]), (r) => r[0].content === 'Lo que te pregunté antes (la M)' && r[0].metadata.edited === true);

    client().revoke(img.id._serialized);
    const revoked = await until(() => q('select content, metadata from messages where external_id = ?', [img.id._serialized]), (r) => r[0].metadata.deleted === true);
    expect(revoked[0].content).toBe('');
  });

  it('ignores status broadcasts and group chats (groups are off by default)', async () => {
    const before = await count('messages');
    client().receive('status@broadcast', 'my story', { author: MARTA_CUS });
    client().receive('120363040000000001@g.us', 'group chatter', { author: MARTA_CUS });
    const marker = client().receive(MARTA_CUS, 'after the ignored ones');
    await messageBy(marker.id._serialized);
    expect(await count('messages')).toBe(before + 1);
    expect(await count('conversations')).toBe(1);
  });

  it("sends an agent's reply and maps acks to delivered, read and failed; the send's echo is not a second message", async () => {
    await admin.call('load_messages', { conversationId });
    const target = (await q('select id, external_id from messages where conversation_id = ? order by created_at limit 1', [conversationId]))[0];
    const r = await admin.call('send_message', { conversationId, content: 'Sí, la tenemos', clientMessageId: 'wa-web-1' });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    const sent = await admin.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'sent', 10_000);
    const [row] = await q('select external_id from messages where id = ?', [sent.id]);
    expect(client().sent.at(-1)).toMatchObject({ chatId: MARTA_CUS, content: 'Sí, la tenemos' });
    client().ack(row.external_id, 2);
    await admin.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'delivered');
    client().ack(row.external_id, 3);
    await admin.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'read');
    expect(await count('messages', 'external_id = ?', [row.external_id])).toBe(1);

    const r2 = await admin.call('send_message', { conversationId, content: 'Otra cosa', clientMessageId: 'wa-web-2' });
    await admin.waitFor('message_updated', (m) => m.id === r2.data.id && m.status === 'sent', 10_000);
    const [row2] = await q('select external_id from messages where id = ?', [r2.data.id]);
    client().ack(row2.external_id, -1);
    const failed = await admin.waitFor('message_updated', (m) => m.id === r2.data.id && m.status === 'failed');
    expect(failed.error).toMatch(/ACK_ERROR/);
  });

  it('sends quoted replies, files as MessageMedia and reactions through the session', async () => {
    const ctx = { channelId, webhookUrl: '', fetch };
    const to = { externalId: MARTA_CUS, identifier: '+34600111222', identifierType: 'phone' as const };
    const target = (await q('select external_id from messages where conversation_id = ? and sender_type = ? order by created_at limit 1', [conversationId, 'prospect']))[0].external_id;
    await whatsappWeb.send!.send({ messageId: 'x1', to, content: 'Sobre esto', messageType: 'text', replyTo: { externalId: target } }, {}, ctx);
    expect(client().sent.at(-1)).toMatchObject({ chatId: MARTA_CUS, content: 'Sobre esto', options: { quotedMessageId: target } });
    const out = await whatsappWeb.send!.send({ messageId: 'x2', to, content: 'La factura', messageType: 'file', attachments: [{ url: 'unused', mimeType: 'application/pdf', fileName: 'factura.pdf', content: Buffer.from('%PDF-1.4') }] }, {}, ctx);
    const sent = client().sent.at(-1)!;
    expect(sent.content).toMatchObject({ mimetype: 'application/pdf', filename: 'factura.pdf', data: Buffer.from('%PDF-1.4').toString('base64') });
    expect(sent.options).toMatchObject({ caption: 'La factura' });
    expect(out.externalId).toMatch(/^true_34600111222@c\.us_/);
    await whatsappWeb.send!.react!({ externalId: target, to }, '❤️', {}, ctx);
    expect(client().sent.at(-1)!.content).toEqual({ reaction: '❤️', to: target });
    await expect(whatsappWeb.send!.send({ messageId: 'x3', to, content: 'no session', messageType: 'text' }, {}, { ...ctx, channelId: '00000000-0000-4000-8000-000000000000' }))
      .rejects.toMatchObject({ category: 'temporary' });
  });

  it('fetches media that did not come along (a failed download) in the media job through the session', async () => {
    wa.failDownloads = 1;
    const img = client().receive(MARTA_CUS, '', { type: 'image' }, { media: { mimetype: 'image/png', data: PNG.toString('base64'), filename: 'otra.png' } });
    const row = await messageBy(img.id._serialized);
    const att = await until(() => q('select status, file_size, attempts from attachments where message_id = ?', [row.id]), (r) => r[0]?.status === 'ready');
    expect(att[0]).toMatchObject({ file_size: PNG.length });
    expect(wa.failDownloads).toBe(0);
  });

  it('shows what the business wrote on the phone as an agent echo', async () => {
    const m = client().fromPhone(MARTA_CUS, 'Te lo guardo hasta mañana');
    const row = await messageBy(m.id._serialized);
    expect(row).toMatchObject({ sender_type: 'agent', conversation_id: conversationId });
  });

  it('restarts a session that is connected but dead with backoff, naming the reason and the next retry', async () => {
    await client().backup();
    expect(await count('connector_sessions', 'channel_id = ?', [channelId])).toBe(1);
    const dead = client();
    wa.failInit = 'net::ERR_CONNECTION_RESET at https://web.whatsapp.com/';
    dead.hang = true;
    let e2: { updatedAt: string; statusReason: string };
    try {
      const e1 = await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'error' && /attempt 1/.test(c.statusReason), 10_000);
      expect(e1.statusReason).toMatch(/stopped answering/);
      expect(dead.destroyed).toBe(true);
      e2 = await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'error' && /attempt 2/.test(c.statusReason), 10_000);
      expect(e2.statusReason).toMatch(/web\.whatsapp\.com/);
      // Each wait counted from when the hub wrote the state (not when this test saw it: under load that comes late).
      const wait = (c: { statusReason: string; updatedAt: string }) => Date.parse(/next retry at (\S+)\)/.exec(c.statusReason)![1]!) - Date.parse(c.updatedAt);
      expect(wait(e2)).toBeGreaterThan(wait(e1) * 1.5);
    } finally {
      // Whatever happened above, the tests after this one get a WhatsApp Web that loads.
      wa.failInit = undefined;
    }
    // Restored from the stored session: no QR this time.
    await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'active' && c.updatedAt > e2.updatedAt, 15_000);
    expect(client()).not.toBe(dead);
    expect(client().qrs).toBe(0);
  });

  it('reads back, exactly once, what arrived while the session was down (POST /reconnect)', async () => {
    const before = await count('messages');
    // Arrives on the phone while no client listens: no event, only the chat history has it.
    const missed = wa.store({ chatId: MARTA_CUS, fromMe: false, body: 'Mientras no estabais', timestamp: Math.floor(Date.now() / 1000) + 1 });
    const r = await hub.request('POST', `/api/channels/${channelId}/reconnect`, { token });
    expect(r.status, r.text).toBe(200);
    const row = await messageBy(missed.data.id._serialized);
    expect(row.content).toBe('Mientras no estabais');
    await until(() => channel(), (c) => c.status === 'active');
    await new Promise((r) => setTimeout(r, 500));
    // Everything already stored came back in the backfill too: still one row per WhatsApp message.
    expect(await q('select external_id from messages group by external_id having count(*) > 1')).toEqual([]);
    expect(await count('messages')).toBeGreaterThan(before);
    expect(await count('messages', 'external_id = ?', [missed.data.id._serialized])).toBe(1);
  });

  it('logs out: the device unlinks, the stored session goes, a new QR follows', async () => {
    const linked = client();
    const r = await hub.request('POST', `/api/channels/${channelId}/logout`, { token });
    expect(r.status, r.text).toBe(200);
    await admin.waitFor('channel_updated', (c) => c.id === channelId && c.status === 'pairing' && c.updatedAt > r.body.updatedAt, 15_000);
    expect(linked.loggedOut).toBe(true);
    expect(await count('connector_sessions', 'channel_id = ?', [channelId])).toBe(0);
    const bad = await hub.request('POST', `/api/channels/00000000-0000-4000-8000-000000000000/logout`, { token });
    expect(bad.status).toBe(404);
    const agentToken = await hub.login('agent@wa.test', 'agent-password-1');
    expect((await hub.request('POST', `/api/channels/${channelId}/reconnect`, { token: agentToken })).status).toBe(403);
  });
});

describe('whatsapp web across workers', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestHub;
  let w1: TestHub | undefined;
  let w2: TestHub | undefined;
  let token: string;
  const { q } = sqlOf(() => api);
  const status = async (id: string) => (await q('select status from channels where id = ?', [id]))[0].status;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestHub({ ROLE: 'api' }, { databaseUrl: db.url });
    w1 = await startTestHub({ ROLE: 'worker', QUEUE_PREFIX: api.config.queuePrefix }, { databaseUrl: db.url });
    token = await api.login();
    configureWhatsAppWeb({ maxSessions: 1 });
  });
  afterAll(async () => {
    await w2?.stop();
    await w1?.stop();
    await api?.stop();
    await db?.drop();
  });

  it('runs at most the configured sessions per worker; a channel beyond waits for another worker, and a stopped worker\'s session moves over from Postgres', async () => {
    const a = (await api.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'A' } })).body;
    await until(() => status(a.id), (s) => s === 'pairing', 15_000);
    const clientA = wa.current;
    await clientA.link();
    await until(() => status(a.id), (s) => s === 'active');
    await clientA.backup();
    const b = (await api.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'B' } })).body;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await status(b.id)).toBe('connecting');
    const clients = wa.clients.length;

    w2 = await startTestHub({ ROLE: 'worker', QUEUE_PREFIX: api.config.queuePrefix }, { databaseUrl: db.url });
    await until(() => status(b.id), (s) => s === 'pairing', 15_000);
    expect(wa.clients.length).toBe(clients + 1);

    // w1 goes away with its local profile folder: w2 resumes A from the sealed zip in Postgres.
    configureWhatsAppWeb({ maxSessions: 2 });
    const profile = `${w1!.config.dataDir}/whatsapp-web`;
    await w1!.stop();
    w1 = undefined;
    await rm(profile, { recursive: true, force: true });
    expect(clientA.destroyed).toBe(true);
    expect(await status(a.id)).toBe('connecting');
    await until(() => q('select status from channels where id = ?', [a.id]), (r) => r[0].status === 'active' && wa.clients.length === clients + 2, 25_000);
    const taken = wa.current;
    expect(taken.qrs).toBe(0);
    const m = taken.receive(MARTA_CUS, 'still there?');
    await until(() => q('select channel_id from messages where external_id = ?', [m.id._serialized]), (r) => r[0]?.channel_id === a.id);
  }, 60_000);
});

describe('whatsapp web that looks connected but stopped receiving', () => {
  let hub: TestHub;
  let token: string;
  const { q } = sqlOf(() => hub);

  beforeAll(async () => {
    configureWhatsAppWeb({ maxSessions: 10, watchdog: { intervalMs: 200, probeTimeoutMs: 2_000, badPollsBeforeRestart: 5, silentMs: 300 }, startupTimeoutMs: 3_000 });
    hub = await startTestHub();
    token = await hub.login();
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('restarts when a chat shows activity no event brought, and reads that message back', async () => {
    const ch = (await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Quiet' } })).body;
    await until(() => q('select status from channels where id = ?', [ch.id]), (r) => r[0].status === 'pairing', 15_000);
    const linked = wa.current;
    await linked.link();
    await until(() => q('select status from channels where id = ?', [ch.id]), (r) => r[0].status === 'active');
    await linked.backup();
    // It reaches the phone, but the page never tells the session (a dead socket inside WhatsApp Web).
    const lost = wa.store({ chatId: MARTA_CUS, fromMe: false, body: 'Nadie contesta', timestamp: Math.floor(Date.now() / 1000) + 2 });
    const [row] = await until(() => q('select status_reason from channels where id = ? and status = ?', [ch.id, 'error']), (r) => r.length > 0, 10_000);
    expect(row.status_reason).toMatch(/Connected but not receiving.*next retry at/);
    expect(linked.destroyed).toBe(true);
    await until(() => q('select m.id from messages m where m.external_id = ? and m.channel_id = ?', [lost.data.id._serialized, ch.id]), (r) => r.length === 1, 15_000);
    await until(() => q('select status from channels where id = ?', [ch.id]), (r) => r[0].status === 'active');
  });

  it('gives up on a page that never loads (no QR, no login, no failure) and retries later', async () => {
    wa.stallInit = true;
    try {
      const ch = (await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Stalled' } })).body;
      const [row] = await until(() => q('select status_reason from channels where id = ? and status = ?', [ch.id, 'error']), (r) => r.length > 0, 20_000);
      expect(row.status_reason).toMatch(/web\.whatsapp\.com\) did not load within 3 s.*next retry at/);
    } finally {
      wa.stallInit = false;
    }
  });
});
