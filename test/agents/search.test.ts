import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';
import { until } from '../support/agent.js';
import { sqlOf } from '../channels/support/db.js';

let hub: TestHub;
let ownerA: string;
let adminB: string;

const search = (token: string, q: string) => hub.request('GET', `/api/search/messages?q=${encodeURIComponent(q)}`, { token });

let sent = 0;
async function ingest(channelId: string, n: number, body: string, name = 'Customer') {
  const r = await postWebhook(hub, channelId, textWebhook({ waId: waId(n), name, id: wamid(`${channelId}-${++sent}`), body }));
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  hub = await startTestHub();
  ownerA = await hub.login();
  expect((await hub.request('POST', '/api/organizations', { token: ownerA, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-password-1' } } })).status).toBe(201);
  adminB = await hub.login('admin@b.test', 'b-password-1');
  const a = await createWhatsAppChannel(hub, ownerA);
  const b = await createWhatsAppChannel(hub, adminB);
  await ingest(a.id, 1, 'Hello, this is Mira Kovač asking about the order', 'Mira Kovač');
  await ingest(a.id, 1, 'Our invoice INV-77231 shows the wrong VAT number');
  await ingest(a.id, 2, 'Write to jean.dupont@example.org please');
  await ingest(a.id, 3, '<img src=x onerror=alert(1)> evil payload kovac');
  await ingest(a.id, 4, 'A \uE000forged\uE001 marker');
  await ingest(b.id, 1, 'Org B also knows Kovač, secretly');
  await until(() => hub.request('GET', '/api/conversations', { token: ownerA }), (r) => r.body.items.length === 4 && r.body.items.every((c: any) => c.lastMessage));
  await until(() => search(adminB, 'secretly'), (r) => r.body?.items?.length === 1);
  await until(() => search(ownerA, 'payload'), (r) => r.body?.items?.length === 1);
});
afterAll(async () => { await hub?.close(); });

describe('GET /api/search/messages', () => {
  it('finds accented words without the accents, marks the original word, and gives the conversation and message ids', async () => {
    const r = await search(ownerA, 'kovac');
    expect(r.status).toBe(200);
    const hit = r.body.items.find((i: any) => i.message.content.includes('Mira'));
    expect(hit).toBeDefined();
    expect(hit.conversation.id).toBe(hit.message.conversationId);
    const { text, highlights } = hit.snippet;
    expect(highlights.map((h: any) => text.slice(h.start, h.start + h.length))).toEqual(['Kovač']);
    // The same the other way round: an accented query finds the unaccented text too.
    const back = await search(ownerA, 'Kováč');
    expect(back.body.items.map((i: any) => i.message.id).sort()).toEqual(r.body.items.map((i: any) => i.message.id).sort());
  });

  it('matches word prefixes as the agent types', async () => {
    const r = await search(ownerA, 'invo');
    expect(r.body.items.map((i: any) => i.message.content)).toEqual(['Our invoice INV-77231 shows the wrong VAT number']);
  });

  it('finds identifiers and parts of them by trigram, highlighting the part', async () => {
    for (const q of ['77231', 'dupont@exa']) {
      const r = await search(ownerA, q);
      expect(r.body.items.length, q).toBe(1);
      const { text, highlights } = r.body.items[0].snippet;
      expect(highlights.length, q).toBe(1);
      expect(text.slice(highlights[0].start, highlights[0].start + highlights[0].length).toLowerCase(), q).toContain(q.toLowerCase().slice(0, 5));
    }
  });

  it("never returns another organization's messages", async () => {
    const a = await search(ownerA, 'kovac');
    expect(a.body.items.some((i: any) => i.message.content.includes('Org B'))).toBe(false);
    expect(a.body.items.length).toBe(2);
    const b = await search(adminB, 'kovac');
    expect(b.body.items.map((i: any) => i.message.content)).toEqual(['Org B also knows Kovač, secretly']);
    expect((await search(adminB, 'invoice')).body.items).toEqual([]);
  });

  it('gives snippets as plain text with ranges: markup in a message stays text, and markers cannot be forged', async () => {
    const r = await search(ownerA, 'evil');
    const { message, snippet: { text, highlights } } = r.body.items[0];
    // An excerpt of the message as it was written: nothing escaped, nothing added.
    expect(text).toContain('onerror=alert(1)> evil');
    expect(message.content).toContain(text);
    expect(highlights.map((h: any) => text.slice(h.start, h.start + h.length))).toEqual(['evil']);
    expect(JSON.stringify(r.body)).not.toContain('<b>');
    const forged = (await search(ownerA, 'marker')).body.items[0].snippet;
    expect(forged.highlights.map((h: any) => forged.text.slice(h.start, h.start + h.length))).toEqual(['marker']);
  });

  it('answers bad queries with a JSON 400 and needs a token', async () => {
    const empty = await search(ownerA, '   ');
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBeTruthy();
    expect((await search(ownerA, 'x'.repeat(201))).status).toBe(400);
    expect((await hub.request('GET', '/api/search/messages?q=kovac')).status).toBe(401);
    // Query syntax is never passed through: operators are just characters.
    const ops = await search(ownerA, "kovac & !:* ' | (");
    expect(ops.status).toBe(200);
    expect(ops.body.items.length).toBe(2);
  });

  it('finds a rare word deep in the history as well as a common word among the newest messages, newest first', async () => {
    const { q } = sqlOf(() => hub);
    const [{ organization_id: org, channel_id: channel, conversation_id: conversation }] = await q(`select organization_id, channel_id, conversation_id from messages where content like 'Our invoice%'`);
    const row = (externalId: string, content: string, age: string) => q(
      `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
       values (gen_random_uuid(), now(), now(), ?, ?, ?, ?, 'in', 'prospect', 'p', ?, 'text', 'whatsapp', now() - ?::interval, 'delivered')`,
      [org, channel, conversation, externalId, content, age]);
    await row('wamid.deep.1', 'Did the zephyrine scarf ship?', '30 days');
    // More than the first look reads, all newer than the rare word, all with the common one.
    await q(
      `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
       select gen_random_uuid(), now(), now(), ?, ?, ?, 'wamid.routine.' || i, 'in', 'prospect', 'p', 'routine update ' || i, 'text', 'whatsapp', now() - interval '1 day' + i * interval '1 second', 'delivered'
       from generate_series(1, 2500) i`, [org, channel, conversation]);
    const rare = await search(ownerA, 'zephyr');
    expect(rare.body.items.map((i: any) => i.message.content)).toEqual(['Did the zephyrine scarf ship?']);
    const inner = await search(ownerA, 'ephyri');
    expect(inner.body.items.map((i: any) => i.message.content)).toEqual(['Did the zephyrine scarf ship?']);
    const common = await search(ownerA, 'routine');
    expect(common.body.items.map((i: any) => i.message.content)).toEqual(Array.from({ length: 20 }, (_, k) => `routine update ${2500 - k}`));
  });
});
