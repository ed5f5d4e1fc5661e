import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSocket, until } from '../support/agent.js';
import { TEST_METRICS_TOKEN, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, sign, statusWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let token: string;
let channelId: string;
let agent: AgentSocket;

beforeAll(async () => {
  hub = await startTestHub();
  token = await hub.login();
  channelId = (await createWhatsAppChannel(hub, token)).id;
  agent = await AgentSocket.connect(hub.url!, token);
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
});

const q = (text: string, params: unknown[] = []) => hub.deps.orm.em.getConnection().execute(text, params);
const count = async (table: string, where = 'true', params: unknown[] = []) => (await q(`select count(*)::int as n from ${table} where ${where}`, params))[0].n as number;

describe('inbound WhatsApp messages', () => {
  it('lands a message once as prospect, conversation and message, and tells the agents live', async () => {
    const body = textWebhook({ waId: '351912345678', name: 'Kerry Fisher', id: wamid('first'), body: 'Olá! Do you ship to Lisbon? 🚚', timestamp: 1731700800 });
    const started = performance.now();
    const res = await postWebhook(hub, channelId, body);
    const ackMs = performance.now() - started;
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(1000);

    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content?.startsWith('Olá'));
    expect(conv).toMatchObject({ channelId, platform: 'whatsapp', status: 'active', unreadCount: 1, prospect: { name: 'Kerry Fisher', identifier: '+351912345678' } });
    expect(conv.lastActivity).toBe('2024-11-15T20:00:00.000Z');
    const prospect = await agent.waitFor('prospect_updated', (p) => p.identifier === '+351912345678');
    expect(prospect).toMatchObject({ identifierType: 'phone', name: 'Kerry Fisher', platform: 'whatsapp', isClient: false });

    const [msg] = await q('select * from messages where external_id = ?', [wamid('first')]);
    expect(msg).toMatchObject({ content: 'Olá! Do you ship to Lisbon? 🚚', direction: 'in', sender_type: 'prospect', message_type: 'text', status: 'delivered', conversation_id: conv.id });
    expect(new Date(msg.timestamp).toISOString()).toBe('2024-11-15T20:00:00.000Z');
    const [kept] = await q('select outcome, payload from webhook_events where channel_id = ?', [channelId]);
    expect(kept.outcome).toBe('stored');
    expect(JSON.parse(kept.payload).entry[0].changes[0].value.messages[0].id).toBe(wamid('first'));
  });

  it("rewrites a known prospect only when it changes: a new name, or last seen a minute later or more", async () => {
    const who = waId(4242);
    const t0 = Math.floor(Date.now() / 1000) - 600;
    const post = async (i: number, name: string, at: number) => {
      expect((await postWebhook(hub, channelId, textWebhook({ waId: who, name, id: wamid(`seen-${i}`), body: `seen ${i}`, timestamp: at }))).status).toBe(200);
      await until(() => count('messages', 'external_id = ?', [wamid(`seen-${i}`)]), (n) => n === 1, 10_000);
      return (await q('select id, xmin::text as version, name, last_seen from prospects where external_id = ?', [who]))[0];
    };
    const first = await post(0, 'Ana', t0);
    expect(new Date(first.last_seen).getTime()).toBe(t0 * 1000);
    // 30 s later, the same name: the row is not rewritten.
    const same = await post(1, 'Ana', t0 + 30);
    expect(same).toEqual(first);
    // 70 s after the first: last seen moves on.
    const later = await post(2, 'Ana', t0 + 70);
    expect(later.version).not.toBe(first.version);
    expect(new Date(later.last_seen).getTime()).toBe((t0 + 70) * 1000);
    // A new name is taken at once (and last seen with it).
    const renamed = await post(3, 'Ana Maria', t0 + 75);
    expect(renamed).toMatchObject({ id: first.id, name: 'Ana Maria' });
    expect(new Date(renamed.last_seen).getTime()).toBe((t0 + 75) * 1000);
    expect(await count('conversations', 'prospect_id = ?', [first.id])).toBe(1);
  });

  it('survives a duplicate storm: 300 messages delivered 3 times each, concurrently and shuffled, land exactly once', async () => {
    const bodies = Array.from({ length: 300 }, (_, i) => textWebhook({ waId: waId(i % 40), id: wamid(`storm-${i}`), body: `storm ${i}`, timestamp: 1731710000 + i }));
    const deliveries = [...bodies, ...bodies, ...bodies].sort(() => Math.random() - 0.5);
    const statuses: number[] = [];
    for (let i = 0; i < deliveries.length; i += 100) {
      const answers = await Promise.all(deliveries.slice(i, i + 100).map((b) => postWebhook(hub, channelId, b)));
      statuses.push(...answers.map((a) => a.status));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    await until(() => count('messages', "content like 'storm %'"), (n) => n >= 300);
    await new Promise((r) => setTimeout(r, 300));
    expect(await count('messages', "content like 'storm %'")).toBe(300);
    const perProspect = await q(
      `select p.external_id, count(distinct c.id)::int as conversations, max(c.unread_count)::int as unread, count(m.id)::int as messages
       from prospects p join conversations c on c.prospect_id = p.id join messages m on m.conversation_id = c.id
       where m.content like 'storm %' group by p.external_id`);
    expect(perProspect).toHaveLength(40);
    for (const row of perProspect) {
      expect(row.conversations).toBe(1);
      expect(row.unread).toBe(row.messages);
    }
    // Ordered by the platform's time: the list for one prospect reads storm 0, 40, 80, ...
    const ordered = await q(`select m.content from messages m join prospects p on p.id = (select prospect_id from conversations where id = m.conversation_id)
      where p.external_id = ? order by m.timestamp, m.seq`, [waId(0)]);
    expect(ordered.map((r: any) => r.content)).toEqual(Array.from({ length: 8 }, (_, k) => `storm ${k * 40}`));
  });

  it('moves statuses only forward, whatever order they arrive in, and keeps a status that comes before its message', async () => {
    const conversation = (await q('select id, organization_id from conversations limit 1'))[0];
    const insertOutbound = (ext: string) => q(
      `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
       values (gen_random_uuid(), now(), now(), ?, ?, ?, ?, 'out', 'agent', 'agent', 'our reply', 'text', 'whatsapp', now(), 'sent')`,
      [conversation.organization_id, channelId, conversation.id, ext]);
    await insertOutbound(wamid('out-1'));
    for (const status of ['read', 'sent', 'delivered'] as const) {
      expect((await postWebhook(hub, channelId, statusWebhook({ id: wamid('out-1'), status, waId: waId(0) }))).status).toBe(200);
    }
    await until(async () => (await q('select status from messages where external_id = ?', [wamid('out-1')]))[0].status, (s) => s === 'read');
    await new Promise((r) => setTimeout(r, 200));
    expect((await q('select status from messages where external_id = ?', [wamid('out-1')]))[0].status).toBe('read');

    // A failure keeps the platform's reason.
    await insertOutbound(wamid('out-2'));
    await postWebhook(hub, channelId, statusWebhook({ id: wamid('out-2'), status: 'failed', waId: waId(0) }));
    const failed = await until(async () => (await q('select status, error from messages where external_id = ?', [wamid('out-2')]))[0], (m) => m.status === 'failed');
    expect(failed.error).toMatch(/\(\d+\)/);

    // Delivered before the message exists: kept, then applied when it is stored.
    await postWebhook(hub, channelId, statusWebhook({ id: wamid('out-3'), status: 'delivered', waId: waId(0) }));
    await until(() => count('pending_statuses', 'external_id = ?', [wamid('out-3')]), (n) => n === 1);
    await hub.deps.orm.em.getConnection().transactional(async () => undefined);
    const { inTransaction } = await import('../../src/db/sql.js');
    const { persistBatch } = await import('../../src/pipeline/persist.js');
    const channel = (await hub.deps.channels.get(channelId))!;
    // The message arrives the way an echo or a send result would: through the same persistence.
    await inTransaction(hub.deps.orm, (sql) => persistBatch(sql, [{
      channel,
      events: [{ type: 'message', externalId: wamid('out-3'), direction: 'out', contact: { externalId: waId(0), identifier: `+${waId(0)}`, identifierType: 'phone' }, timestamp: Date.now(), messageType: 'text', content: 'sent elsewhere' }],
      record: { jobId: 'test-out-3', payload: '{}', retentionHours: 1 },
    }]));
    expect((await q('select status from messages where external_id = ?', [wamid('out-3')]))[0].status).toBe('delivered');
    expect(await count('pending_statuses', 'external_id = ?', [wamid('out-3')])).toBe(0);
  });

  it('acknowledges, keeps and counts what it does not understand, without retrying it', async () => {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value: { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' } }] }] });
    expect((await postWebhook(hub, channelId, body, sign(body))).status).toBe(200);
    const kept = await until(async () => (await q("select outcome, detail from webhook_events where payload like '%account_update%'"))[0], Boolean);
    expect(kept.outcome).toBe('unsupported');
    expect(kept.detail).toMatch(/account_update/);
    const failed = await hub.deps.queues.ingest.getFailedCount();
    expect(failed).toBe(0);
    const metrics = await (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(/hub_ingested_events_total\{type="unsupported",outcome="kept"\} [1-9]/);
  });

  it('reopens a closed conversation when the prospect writes again', async () => {
    const body1 = textWebhook({ waId: '4915112345678', id: wamid('reopen-1'), body: 'first' });
    await postWebhook(hub, channelId, body1);
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'first');
    await q("update conversations set status = 'closed' where id = ?", [conv.id]);
    await postWebhook(hub, channelId, textWebhook({ waId: '4915112345678', id: wamid('reopen-2'), body: 'second' }));
    const again = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'second');
    expect(again.id).toBe(conv.id);
    expect(again.status).toBe('active');
  });

  it('threads by every referenced id and reopens a closed thread on a reply, never for an auto-reply', async () => {
    const { inTransaction } = await import('../../src/db/sql.js');
    const { persistBatch } = await import('../../src/pipeline/persist.js');
    const channel = (await hub.deps.channels.get(channelId))!;
    const contact = { externalId: 'jane@example.org', identifier: 'jane@example.org', identifierType: 'email' as const, name: 'Jane' };
    const mail = (id: string, refs: string[], extra: Record<string, unknown> = {}) => ({
      type: 'message' as const, externalId: id, direction: 'in' as const, contact, timestamp: Date.now(), messageType: 'text' as const,
      content: `mail ${id}`, threadRefs: refs, subject: 'Invoice', ...extra,
    });
    const persist = (events: any[], job: string) =>
      inTransaction(hub.deps.orm, (sql) => persistBatch(sql, [{ channel, events, record: { jobId: job, payload: '{}', retentionHours: 1 } }]));
    await persist([mail('<root@example.org>', [])], 'mail-1');
    const [root] = await q('select conversation_id from messages where external_id = ?', ['<root@example.org>']);
    await q("update conversations set status = 'closed' where id = ?", [root.conversation_id]);
    // An out-of-office in the closed thread is kept there but opens nothing.
    await persist([mail('<ooo@example.org>', ['<root@example.org>'], { automated: 'auto_reply' })], 'mail-2');
    expect((await q('select status from conversations where id = ?', [root.conversation_id]))[0].status).toBe('closed');
    // A real reply that only lists the root deep in References (Outlook rewrote In-Reply-To) reopens it.
    await persist([mail('<reply@example.org>', ['<unknown@outlook>', '<root@example.org>'])], 'mail-3');
    const rows = await q("select conversation_id, message_type from messages where external_id in ('<ooo@example.org>', '<reply@example.org>') order by external_id");
    expect(rows.map((r: any) => r.conversation_id)).toEqual([root.conversation_id, root.conversation_id]);
    expect(rows.map((r: any) => r.message_type)).toEqual(['system', 'text']);
    expect((await q('select status from conversations where id = ?', [root.conversation_id]))[0].status).toBe('active');
    // An auto-reply to nothing we know creates no prospect and no conversation.
    const before = await count('prospects');
    await persist([mail('<stray@example.org>', [], { automated: 'auto_reply', contact: { ...contact, externalId: 'bot@example.net', identifier: 'bot@example.net' } })], 'mail-4');
    expect(await count('prospects')).toBe(before);
  });
});
