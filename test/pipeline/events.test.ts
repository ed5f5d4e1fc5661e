import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { METADATA_TO_OBJECTS } from '../../src/db/migrations/Migration20261201001000_message_metadata_objects.js';
import { ChannelCache } from '../../src/pipeline/channel-cache.js';
import { redisKeys } from '../../src/queue/redis-keys.js';
import { until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { APP_SECRET, createWhatsAppChannel, postWebhook, textWebhook, waBatch, waId, wamid } from '../support/whatsapp.js';

/** Each event on its own: odd events, legacy metadata, routing and clock sanity (issue 10). */
let hub: TestHub;
let graph: GraphDouble;
let token: string;
let waChannel: string;
let fbChannel: string;

const PAGE_ID = '104523928612345';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../connectors/meta/fixtures/${name}.json`, import.meta.url), 'utf8'));

beforeAll(async () => {
  graph = await new GraphDouble().start();
  // Profile lookups for new Messenger prospects go to the local Graph double (and find nothing).
  graph.reset(() => ({ status: 404, body: { error: { message: 'not found', code: 100 } } }));
  hub = await startTestHub();
  token = await hub.login();
  waChannel = (await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url })).id;
  const fb = await hub.request('POST', '/api/channels', {
    token,
    body: { kind: 'messenger', name: 'Messenger', credentials: { pageId: PAGE_ID, accessToken: 'EAAfb', appSecret: APP_SECRET, apiBaseUrl: graph.url } },
  });
  if (fb.status !== 201) throw new Error(`messenger channel: ${fb.status} ${fb.text}`);
  fbChannel = fb.body.id;
});
afterAll(async () => {
  await hub?.close();
  await graph?.stop();
});

const q = (text: string, params: unknown[] = []) => hub.deps.orm.em.getConnection().execute(text, params);
const messageBy = async (externalId: string) => (await q('select id, content, metadata, jsonb_typeof(metadata) as kind, (metadata is null) as sql_null, timestamp from messages where external_id = ?', [externalId]))[0];
const keptFor = (needle: string) => until(async () => (await q('select outcome, detail from webhook_events where payload like ?', [`%${needle}%`]))[0], Boolean, 15_000);

/** Messenger `messaging[]` events as the recorded fixtures have them. */
const fbText = (sender: string, mid: string, text: string, timestamp = Date.now()) => ({ ...fixture('messenger-text').entry[0].messaging[0], sender: { id: sender }, timestamp, message: { mid, text } });
const fbReaction = (sender: string, mid: string, emoji: string) => ({ ...fixture('messenger-reaction').entry[0].messaging[0], sender: { id: sender }, timestamp: Date.now(), reaction: { reaction: 'love', emoji, action: 'react', mid } });
const fbEdit = (sender: string, mid: string, text: string) => ({ sender: { id: sender }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message_edit: { mid, text, num_edit: 1 } });
const fbDelivery = (sender: string, mids: string[]) => ({ ...fixture('messenger-delivery').entry[0].messaging[0], sender: { id: sender }, timestamp: Date.now(), delivery: { mids, watermark: Date.now() - 60_000 } });
const fbBody = (messaging: object[]) => JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging }] });
const postFb = (body: string) => postWebhook(hub, fbChannel, body);

describe('one odd event never costs its neighbours', () => {
  it('a delivery mixing a reaction to a plain message (stored without metadata), an edit, a ghost status and an ordinary message stores the ordinary message', async () => {
    const plain = 'm_plain_0001';
    expect((await postFb(fbBody([fbText('6945468100000001', plain, 'Is the blue jacket still available?')]))).status).toBe(200);
    const stored = await until(() => messageBy(plain), Boolean, 15_000);
    // Stored without metadata: SQL NULL, not JSON null.
    expect(stored.sql_null).toBe(true);

    const mixed = fbBody([
      fbReaction('6945468100000001', plain, '❤️'),
      fbEdit('6945468100000001', plain, 'Is the blue jacket still available in M?'),
      fbDelivery('6945468100000001', ['m_ghost_never_stored']),
      fbText('6945468100000002', 'm_ordinary_0001', 'Do you deliver on Saturdays?'),
    ]);
    expect((await postFb(mixed)).status).toBe(200);
    const ordinary = await until(() => messageBy('m_ordinary_0001'), Boolean, 15_000);
    expect(ordinary.content).toBe('Do you deliver on Saturdays?');

    const reacted = await messageBy(plain);
    expect(reacted.kind).toBe('object');
    expect(reacted.content).toBe('Is the blue jacket still available in M?');
    expect(reacted.metadata).toMatchObject({ edited: true, reactions: { '6945468100000001': '❤️' } });
    expect((await q("select status from pending_statuses where external_id = 'm_ghost_never_stored'"))[0]?.status).toBe('delivered');
    expect((await keptFor('m_ordinary_0001')).outcome).toBe('stored');
    expect(await hub.deps.queues.ingest.getFailedCount()).toBe(0);
  });

  it('reacts to and edits messages whose metadata an older version stored as JSON null or an array, and the migration makes them objects', async () => {
    const [a, b] = ['m_legacy_null', 'm_legacy_array'];
    await postFb(fbBody([fbText('6945468100000003', a, 'legacy one'), fbText('6945468100000003', b, 'legacy two')]));
    await until(() => messageBy(b), Boolean, 15_000);
    // What the old writers left behind.
    await q("update messages set metadata = 'null'::jsonb where external_id = ?", [a]);
    await q(`update messages set metadata = '[null, {"edited": true, "editedAt": "2024-11-15T20:00:00.000Z"}]'::jsonb where external_id = ?`, [b]);

    await postFb(fbBody([fbReaction('6945468100000003', a, '👍'), fbEdit('6945468100000003', b, 'legacy two, edited')]));
    await until(async () => (await messageBy(b)).content, (c) => c === 'legacy two, edited', 15_000);
    await until(async () => (await messageBy(a)).kind, (k) => k === 'object', 15_000);
    expect((await messageBy(a)).metadata).toEqual({ reactions: { '6945468100000003': '👍' } });
    expect((await messageBy(b)).metadata).toMatchObject({ edited: true });
    expect((await messageBy(b)).kind).toBe('object');

    // The migration's statement on rows as they were.
    await q("update messages set metadata = 'null'::jsonb where external_id = ?", [a]);
    await q(`update messages set metadata = '[null, {"edited": true, "a": 1}, {"a": 2}]'::jsonb where external_id = ?`, [b]);
    await q(METADATA_TO_OBJECTS);
    expect((await messageBy(a)).sql_null).toBe(true);
    expect((await messageBy(b)).metadata).toEqual({ edited: true, a: 2 });
    expect((await q("select count(*)::int as n from messages where metadata is not null and jsonb_typeof(metadata) <> 'object'"))[0].n).toBe(0);
  });

  it('narrows a failing batch down to the event that fails: the rest of the delivery is stored, the failure recorded with its reason', async () => {
    const [ok1, bad, ok2] = [wamid('narrow-ok-1'), wamid('narrow-bad'), wamid('narrow-ok-2')];
    // A NUL character: valid JSON, but Postgres cannot store it in text.
    const body = waBatch([
      { from: waId(501), id: ok1, text: 'first neighbour' },
      { from: waId(502), id: bad, text: 'broken \u0000 text' },
      { from: waId(503), id: ok2, text: 'second neighbour' },
    ]);
    expect((await postWebhook(hub, waChannel, body)).status).toBe(200);
    const kept = await keptFor(ok2);
    expect(kept.outcome).toBe('failed');
    expect(kept.detail).toContain(`message ${bad}`);
    expect(kept.detail).toMatch(/0x00|invalid byte sequence|unsupported Unicode/);
    expect((await messageBy(ok1))?.content).toBe('first neighbour');
    expect((await messageBy(ok2))?.content).toBe('second neighbour');
    expect(await messageBy(bad)).toBeUndefined();
    // Handled, not retried: the job completed.
    expect(await hub.deps.queues.ingest.getFailedCount()).toBe(0);
  });

  it('stores a text cut inside an emoji (a lone surrogate) with U+FFFD in its place, next to a backslash written before "ud83d"', async () => {
    const [cut, neighbour] = [wamid('lone-surrogate'), wamid('lone-surrogate-next')];
    // As a platform that truncates UTF-16 sends it: the JSON escape of half an emoji.
    const body = waBatch([
      { from: waId(505), id: cut, text: 'price is 20 \ud83d and \\ud83d stays' },
      { from: waId(506), id: neighbour, text: 'a neighbour' },
    ]);
    expect(body).toContain('20 \\ud83d and \\\\ud83d stays');
    expect((await postWebhook(hub, waChannel, body)).status).toBe(200);
    expect((await keptFor(neighbour)).outcome).toBe('stored');
    expect((await messageBy(cut)).content).toBe('price is 20 \ufffd and \\ud83d stays');
    expect((await messageBy(neighbour)).content).toBe('a neighbour');
    const [conversation] = await q("select c.last_message->>'content' as last from conversations c join messages m on m.conversation_id = c.id where m.external_id = ?", [cut]);
    expect(conversation.last).toBe('price is 20 \ufffd and \\ud83d stays');
    // The kept payload is the delivery's text as it came, escapes and all.
    const [kept] = await q('select payload from webhook_events where payload like ?', [`%${cut}%`]);
    expect(kept.payload).toContain('20 \\ud83d and \\\\ud83d stays');
  });

  it('applies many reactions of one delivery set-wise: each contact\'s last reaction wins, an empty one removes it', async () => {
    const target = wamid('reacted-target');
    await postWebhook(hub, waChannel, textWebhook({ waId: waId(600), id: target, body: 'react to me' }));
    await until(() => messageBy(target), Boolean, 15_000);
    const reactions = [
      { from: waId(601), id: wamid('r1'), reaction: { message_id: target, emoji: '👍' } },
      { from: waId(602), id: wamid('r2'), reaction: { message_id: target, emoji: '❤️' } },
      { from: waId(601), id: wamid('r3'), reaction: { message_id: target, emoji: '😂' } },
      { from: waId(603), id: wamid('r4'), reaction: { message_id: target, emoji: '🙏' } },
      { from: waId(603), id: wamid('r5'), reaction: { message_id: target } },
      { from: waId(604), id: wamid('r6'), reaction: { message_id: wamid('no-such-message'), emoji: '👍' } },
    ];
    await postWebhook(hub, waChannel, waBatch(reactions));
    const kept = await keptFor(wamid('r6'));
    expect(kept.outcome).toBe('updated');
    expect(kept.detail).toContain(`reaction to unknown message ${wamid('no-such-message')}`);
    expect((await messageBy(target)).metadata).toEqual({ reactions: { [waId(601)]: '😂', [waId(602)]: '❤️' } });
  });
});

describe('routing and sanity', () => {
  it('keeps a WhatsApp change for another phone number of the app as unsupported, storing nothing in this channel', async () => {
    const id = wamid('other-number');
    expect((await postWebhook(hub, waChannel, waBatch([{ from: waId(700), id, text: 'for the other number' }], '113269274970227'))).status).toBe(200);
    const kept = await keptFor(id);
    expect(kept.outcome).toBe('unsupported');
    expect(kept.detail).toContain("phone number id 113269274970227, not this channel's (106540352242922)");
    expect(await messageBy(id)).toBeUndefined();
    expect((await q('select count(*)::int as n from prospects where external_id = ?', [waId(700)]))[0].n).toBe(0);
  });

  it('clamps a platform timestamp far in the future to the time the hub received it, and keeps one a little ahead', async () => {
    const [far, near] = [wamid('future-far'), wamid('future-near')];
    const now = Math.floor(Date.now() / 1000);
    const before = Date.now();
    await postWebhook(hub, waChannel, textWebhook({ waId: waId(701), id: far, body: 'from the future', timestamp: now + 86_400 }));
    await postWebhook(hub, waChannel, textWebhook({ waId: waId(702), id: near, body: 'slightly ahead', timestamp: now + 120 }));
    const stored = await until(() => messageBy(far), Boolean, 15_000);
    const at = new Date(stored.timestamp).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    const ahead = await until(() => messageBy(near), Boolean, 15_000);
    expect(new Date(ahead.timestamp).getTime()).toBe((now + 120) * 1000);
    const [conv] = await q('select c.last_activity from conversations c join messages m on m.conversation_id = c.id where m.external_id = ?', [far]);
    expect(new Date(conv.last_activity).getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('bounded memory', () => {
  it('keeps only channels that exist: requests for made-up channel ids do not grow the cache', async () => {
    await postWebhook(hub, waChannel, textWebhook({ waId: waId(800), id: wamid('cache-warm'), body: 'warm' }));
    const size = hub.deps.channels.size;
    expect(size).toBeGreaterThan(0);
    for (let i = 0; i < 200; i++) {
      const id = `6f0c5a4e-7a43-4a43-9a1e-${String(i).padStart(12, '0')}`;
      expect((await postWebhook(hub, id, '{}')).status).toBe(404);
    }
    expect(hub.deps.channels.size).toBe(size);
  });

  it('holds at most its bound of channels, dropping the least recently used', async () => {
    const ids = [waChannel, fbChannel, (await createWhatsAppChannel(hub, token)).id];
    const cache = new ChannelCache(hub.deps.orm, hub.deps.box, hub.deps.redis, redisKeys(hub.config.queuePrefix), 30_000, 2);
    for (const id of ids) expect((await cache.get(id))?.id).toBe(id);
    expect(cache.size).toBe(2);
    // The first one was dropped; asking again loads it (and drops the next oldest).
    expect((await cache.get(ids[0]!))?.id).toBe(ids[0]);
    expect(cache.size).toBe(2);
  });
});
