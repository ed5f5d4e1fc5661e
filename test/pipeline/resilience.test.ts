import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, imageWebhook, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=', 'base64');

/** A silent Graph counts as down after a second. */
const FAST_GRAPH = { GRAPH_TIMEOUT_MS: '1000' };
let api: TestHub;
let worker: TestHub | undefined;
let graph: GraphDouble;
let token: string;
let channelId: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  graph = await new GraphDouble().start();
  api = await startTestHub({ ROLE: 'api', ...FAST_GRAPH });
  token = await api.login();
  channelId = (await createWhatsAppChannel(api, token, { apiBaseUrl: graph.url })).id;
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await worker?.stop();
  await api?.close();
  await graph?.stop();
});

const q = (text: string, params: unknown[] = []) => api.deps.orm.em.getConnection().execute(text, params);
const startWorker = () => startTestHub({ ROLE: 'worker', ...FAST_GRAPH, QUEUE_PREFIX: api.config.queuePrefix, DATA_DIR: api.config.dataDir }, { databaseUrl: api.databaseUrl });

describe('a worker stopped mid-run', () => {
  it('loses nothing and doubles nothing when it is stopped and another starts', async () => {
    worker = await startWorker();
    const bodies = Array.from({ length: 400 }, (_, i) => textWebhook({ waId: waId(i % 25), id: wamid(`restart-${i}`), body: `restart ${i}`, timestamp: 1731720000 + i }));
    const posting = (async () => {
      for (let i = 0; i < bodies.length; i += 20) {
        const answers = await Promise.all(bodies.slice(i, i + 20).map((b) => postWebhook(api, channelId, b)));
        expect(answers.every((a) => a.status === 200)).toBe(true);
      }
    })();
    // Stop the worker while deliveries are still arriving and being processed.
    await until(async () => (await q("select count(*)::int as n from messages where content like 'restart %'"))[0].n, (n) => n > 0, 10_000, 5);
    await worker.stop();
    const midway = (await q("select count(*)::int as n from messages where content like 'restart %'"))[0].n;
    await posting;
    // Redeliveries while no worker runs: the platform retrying.
    for (const b of bodies.slice(0, 50)) await postWebhook(api, channelId, b);
    worker = await startWorker();
    await until(async () => (await q("select count(*)::int as n from messages where content like 'restart %'"))[0].n, (n) => n >= 400, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const [{ n, distinct }] = await q("select count(*)::int as n, count(distinct external_id)::int as distinct from messages where content like 'restart %'");
    expect(midway).toBeLessThan(400);
    expect(n).toBe(400);
    expect(distinct).toBe(400);
    const unread = await q("select sum(unread_count)::int as s from conversations c join prospects p on p.id = c.prospect_id where p.external_id like '1555%'");
    expect(unread[0].s).toBe(400);
  }, 60_000);
});

describe('media', () => {
  it('records the attachment at once, fetches it from the Graph API, and serves it to agents by a signed URL', async () => {
    graph.reset((r) => {
      if (r.path.startsWith('/v21.0/MEDIA-OK')) return { body: { url: `${graph.url}/cdn/MEDIA-OK.jpg`, mime_type: 'image/jpeg', file_size: JPEG.length, id: 'MEDIA-OK' } };
      if (r.path === '/cdn/MEDIA-OK.jpg') return { headers: { 'content-type': 'image/jpeg' }, body: JPEG };
      return { status: 404, body: { error: { message: 'not found', code: 100 } } };
    });
    const agent = await AgentSocket.connect(api.url!, token);
    cleanup.push(async () => agent.close());
    await postWebhook(api, channelId, imageWebhook({ waId: waId(900), id: wamid('img-1'), mediaId: 'MEDIA-OK', caption: 'The broken part' }));
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'The broken part', 10_000);
    await agent.call('load_messages', { conversationId: conv.id });
    const ready = await agent.waitFor('message_updated', (m) => m.metadata?.attachments?.[0]?.status === 'ready', 10_000);
    expect(ready).toMatchObject({ messageType: 'image', content: 'The broken part', metadata: { fileType: 'image/jpeg', fileSize: JPEG.length } });
    const media = await fetch(api.url + ready.metadata.url);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await media.arrayBuffer()).equals(JPEG)).toBe(true);
    const auth = graph.requests.find((r) => r.path.startsWith('/v21.0/MEDIA-OK'))!.headers.authorization;
    expect(auth).toBe('Bearer EAAtest');
    // The URL is signed: without or with a forged signature, nothing.
    const bare = ready.metadata.url.split('?')[0];
    expect((await fetch(api.url + bare)).status).toBe(404);
    expect((await fetch(api.url + ready.metadata.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(404);
  }, 30_000);

  it('leaves a visible failed attachment when the download keeps failing, keeps the message, and retries on demand', async () => {
    let fixed = false;
    graph.reset((r) => {
      if (r.path.startsWith('/v21.0/MEDIA-GONE') && !fixed) return { status: 400, body: { error: { message: 'Media not found or expired', code: 131052 } } };
      if (r.path.startsWith('/v21.0/MEDIA-GONE')) return { body: { url: `${graph.url}/cdn/gone.jpg`, mime_type: 'image/jpeg', id: 'MEDIA-GONE' } };
      if (r.path === '/cdn/gone.jpg') return { headers: { 'content-type': 'image/jpeg' }, body: JPEG };
      return { status: 404, body: {} };
    });
    await postWebhook(api, channelId, imageWebhook({ waId: waId(901), id: wamid('img-2'), mediaId: 'MEDIA-GONE' }));
    const att = await until(async () => (await q("select a.id, a.status, a.error, m.id as message_id from attachments a join messages m on m.id = a.message_id where m.external_id = ?", [wamid('img-2')]))[0], (a) => a?.status === 'failed', 15_000);
    expect(att.error).toMatch(/not found or expired/);
    const other = await api.request('POST', `/api/attachments/${att.id}/retry`, { token: await (async () => {
      await api.request('POST', '/api/organizations', { token, body: { name: 'Other', admin: { email: 'o@o.test', password: 'other-pass-1' } } });
      return api.login('o@o.test', 'other-pass-1');
    })() });
    expect(other.status).toBe(404);
    fixed = true;
    expect((await api.request('POST', `/api/attachments/${att.id}/retry`, { token })).status).toBe(202);
    await until(async () => (await q('select status from attachments where id = ?', [att.id]))[0].status, (s) => s === 'ready', 15_000);
    expect((await q('select count(*)::int as n from messages where id = ?', [att.message_id]))[0].n).toBe(1);
  }, 30_000);
});

describe('late statuses', () => {
  it('are applied by the maintenance sweep when a status and its message committed at the same moment', async () => {
    const [m] = await q("select id, channel_id, external_id from messages where direction = 'in' and external_id is not null limit 1");
    await q("update messages set direction = 'out', status = 'sent' where id = ?", [m.id]);
    // The race the sweep exists for: the status was kept as pending although its message exists.
    await q("insert into pending_statuses (id, created_at, updated_at, channel_id, external_id, status) values (gen_random_uuid(), now(), now(), ?, ?, 'read')", [m.channel_id, m.external_id]);
    await api.deps.queues.maintenance.add('apply-pending-statuses', {});
    await until(async () => (await q('select status from messages where id = ?', [m.id]))[0].status, (st) => st === 'read', 10_000);
    expect((await q('select count(*)::int as n from pending_statuses where external_id = ?', [m.external_id]))[0].n).toBe(0);
  });
});

describe('kept payloads', () => {
  it('can be listed by admins and replayed safely: what was stored already is not stored twice', async () => {
    const list = await api.request('GET', `/api/webhook-events?channelId=${channelId}&outcome=stored&limit=5`, { token });
    expect(list.status).toBe(200);
    const event = list.body.find((e: any) => JSON.parse(e.payload).entry[0].changes[0].value.messages?.[0]?.type === 'text');
    expect(event).toMatchObject({ channelId, outcome: 'stored', contentType: 'application/json' });
    const before = (await q('select count(*)::int as n from messages'))[0].n;
    expect((await api.request('POST', `/api/webhook-events/${event.id}/replay`, { token })).status).toBe(202);
    const replayed = await until(async () => (await q("select outcome from webhook_events where outcome = 'duplicate'"))[0], Boolean, 10_000);
    expect(replayed.outcome).toBe('duplicate');
    expect((await q('select count(*)::int as n from messages'))[0].n).toBe(before);
    const other = await api.login('o@o.test', 'other-pass-1');
    expect((await api.request('POST', `/api/webhook-events/${event.id}/replay`, { token: other })).status).toBe(404);
    expect((await api.request('GET', '/api/webhook-events', { token: other })).body).toEqual([]);
  }, 30_000);

  it('are redacted, and purged after their retention by the maintenance job', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { access_token: 'EAAleaked', messaging_product: 'whatsapp', metadata: { phone_number_id: '106540352242922' } } }] }] });
    const { sign } = await import('../support/whatsapp.js');
    await postWebhook(api, channelId, body, sign(body));
    const kept = await until(async () => (await q("select id, payload from webhook_events where payload like '%access_token%'"))[0], Boolean, 10_000);
    expect(kept.payload).not.toContain('EAAleaked');
    expect(kept.payload).toContain('[redacted]');
    await q("update webhook_events set expires_at = now() - interval '1 minute' where id = ?", [kept.id]);
    await api.deps.queues.maintenance.add('purge-webhook-events', {});
    await until(async () => (await q('select count(*)::int as n from webhook_events where id = ?', [kept.id]))[0].n, (n) => n === 0, 10_000);
  }, 30_000);
});
