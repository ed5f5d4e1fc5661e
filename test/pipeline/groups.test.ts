import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '../../src/infra/embedded-redis.js';
import { freePort } from '../../src/infra/free-port.js';
import { createLogger } from '../../src/logger.js';
import { createQueues } from '../../src/queue/queues.js';
import { deliveriesOf, enqueueInbound, inboundJobId, type InboundDelivery, type IngestJobData } from '../../src/pipeline/ingest.queue.js';
import { until } from '../support/agent.js';
import { REDIS_URL, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, statusWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

/** Deliveries travel to the worker in group jobs; each delivery stays its own unit of idempotency and failure. */
let hub: TestHub;
let token: string;
let channelId: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  token = await hub.login();
  channelId = (await createWhatsAppChannel(hub, token)).id;
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await hub?.close();
}, 60_000);

const q = (text: string, params: unknown[] = []) => hub.deps.orm.em.getConnection().execute(text, params);
const n = async (text: string, params: unknown[] = []) => (await q(text, params))[0].n as number;
const raw = (body: string) => ({ body, contentType: 'application/json', receivedAt: Date.now() });
const allJobs = (h: TestHub = hub) => h.deps.queues.ingest.getJobs(['completed', 'active', 'wait', 'delayed', 'failed', 'prioritized']) as Promise<Job<IngestJobData>[]>;
/** The jobs holding any of these deliveries (by key). */
const jobsHolding = async (keys: string[], h?: TestHub) => (await allJobs(h)).filter((j) => deliveriesOf(j).some((d) => keys.includes(d.key)));
/** A text[] literal (knex would spread a JS array into a list). */
const textArray = (xs: string[]) => `{${xs.map((x) => `"${x}"`).join(',')}}`;
const kept = (keys: string[]) => q('select job_id, outcome, detail from webhook_events where job_id = any(?::text[]) order by job_id', [textArray(keys)]);

describe('group jobs', () => {
  it('queues deliveries arriving together as one job, messages and status callbacks alike, and stores each once', async () => {
    // A conversation, and an outgoing message of ours in it for the status callbacks to move.
    expect((await postWebhook(hub, channelId, textWebhook({ waId: waId(99), id: wamid('seed'), body: 'seed' }))).status).toBe(200);
    await until(() => n("select count(*)::int as n from messages where content = 'seed'"), (x) => x === 1, 10_000);
    const { id: conversationId, organization_id: orgId } = (await q('select id, organization_id from conversations limit 1'))[0];
    await q(
      `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
       values (gen_random_uuid(), now(), now(), ?, ?, ?, ?, 'out', 'agent', 'agent', 'our reply', 'text', 'whatsapp', now(), 'sent')`,
      [orgId, channelId, conversationId, wamid('grp-out')]);

    const texts = Array.from({ length: 30 }, (_, i) => ({ id: `grp-${i}`, body: textWebhook({ waId: waId(i % 7), id: wamid(`grp-${i}`), body: `grp ${i}` }) }));
    const statuses = (['delivered', 'read'] as const).map((s) => ({ id: `grp-status-${s}`, body: statusWebhook({ id: wamid('grp-out'), status: s, waId: waId(0) }) }));
    const all = [...texts, ...statuses];
    // All in the same moment, as concurrent webhook requests are.
    await Promise.all(all.map((d) => enqueueInbound(hub.deps.queues, channelId, d.id, raw(d.body))));
    const keys = all.map((d) => inboundJobId(channelId, d.id));
    const jobs = await jobsHolding(keys);
    expect(jobs).toHaveLength(1);
    expect(deliveriesOf(jobs[0]!).map((d) => d.key).sort()).toEqual([...keys].sort());

    await until(() => n("select count(*)::int as n from messages where content like 'grp %'"), (x) => x >= 30, 15_000);
    await until(async () => (await q('select status from messages where external_id = ?', [wamid('grp-out')]))[0].status, (s) => s === 'read', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await n("select count(*)::int as n from messages where content like 'grp %'")).toBe(30);
    const rows = await kept(keys);
    expect(rows).toHaveLength(32);
    expect(rows.filter((r: any) => r.outcome === 'stored')).toHaveLength(30);
    expect(rows.filter((r: any) => r.outcome === 'updated')).toHaveLength(2);
    expect(await jobs[0]!.getState()).toBe('completed');
  });

  it('makes a redelivery a no-op inside a group and across groups (another API process), kept payloads included', async () => {
    const deliveries = Array.from({ length: 10 }, (_, i) => ({ id: `redo-${i}`, body: textWebhook({ waId: waId(20 + (i % 3)), id: wamid(`redo-${i}`), body: `redo ${i}` }) }));
    const keys = deliveries.map((d) => inboundJobId(channelId, d.id));
    // Inside one group: each delivery three times in the same moment, over HTTP and straight to the queue.
    await Promise.all(deliveries.flatMap((d) => [
      enqueueInbound(hub.deps.queues, channelId, d.id, raw(d.body)),
      enqueueInbound(hub.deps.queues, channelId, d.id, raw(d.body)),
    ]));
    const answers = await Promise.all(deliveries.map((d) => postWebhook(hub, channelId, d.body)));
    expect(answers.map((a) => a.status)).toEqual(deliveries.map(() => 200));
    const queued = (await jobsHolding(keys)).flatMap((j) => deliveriesOf(j).filter((d) => keys.includes(d.key)));
    expect(queued).toHaveLength(10);
    // A job of old holding one delivery twice (a producer that did not dedupe) stores it once too.
    const twice: InboundDelivery = { channelId, deliveryId: 'redo-twice', key: inboundJobId(channelId, 'redo-twice'), raw: raw(textWebhook({ waId: waId(23), id: wamid('redo-twice'), body: 'redo twice' })) };
    await hub.deps.queues.ingest.add('inbound', { deliveries: [twice, twice] });
    await until(() => n("select count(*)::int as n from messages where content like 'redo %'"), (x) => x >= 11, 15_000);
    const unread = async () => n("select sum(c.unread_count)::int as n from conversations c join prospects p on p.id = c.prospect_id where p.external_id = any(?::text[])", [textArray([waId(20), waId(21), waId(22), waId(23)])]);
    expect(await unread()).toBe(11);

    // Across groups: another API process (its own producer) queues them all again, later.
    const other = createQueues({ url: REDIS_URL }, hub.config.queuePrefix);
    cleanups.push(() => other.close());
    await Promise.all([...deliveries, { id: 'redo-twice', body: twice.raw.body }].map((d) => enqueueInbound(other, channelId, d.id, raw(d.body))));
    const allKeys = [...keys, twice.key];
    const groups = await until(() => jobsHolding(allKeys), (js) => js.length === 3, 10_000);
    for (const j of groups) await until(() => j.getState(), (s) => s === 'completed', 15_000);
    const again = (await until(() => jobsHolding(allKeys), (js) => js.every((j) => j.returnvalue), 10_000)).find((j) => deliveriesOf(j).length === 11)!;
    expect(again.returnvalue).toMatchObject({ created: 0, duplicates: 11 });
    expect(await n("select count(*)::int as n from messages where content like 'redo %'")).toBe(11);
    expect(await unread()).toBe(11);
    const rows = await kept(allKeys);
    expect(rows).toHaveLength(11);
    expect(rows.every((r: any) => r.outcome === 'stored')).toBe(true);
  });

  it('keeps a failing delivery from costing its neighbours: they are stored, it goes back alone and ends failed and replayable', async () => {
    // A real database error for this one payload only: Postgres refuses to keep it (but lets it be kept as failed).
    await q(`create function explode_guard() returns trigger language plpgsql as $$
      begin raise exception 'exploding payload %', new.job_id; end $$`);
    await q(`create trigger explode_guard before insert on webhook_events for each row
      when (new.payload like '%explode%' and new.outcome <> 'failed') execute function explode_guard()`);
    const d = (id: string, body: string): InboundDelivery => ({ channelId, deliveryId: id, key: inboundJobId(channelId, id), raw: raw(body) });
    const fine1 = d('odd-fine-1', textWebhook({ waId: waId(30), id: wamid('odd-fine-1'), body: 'odd fine 1' }));
    const bad = d('odd-bad', textWebhook({ waId: waId(30), id: wamid('odd-bad'), body: 'odd explode' }));
    const malformed = d('odd-malformed', '{"object": "whatsapp_business_account", "entry": [');
    const fine2 = d('odd-fine-2', textWebhook({ waId: waId(31), id: wamid('odd-fine-2'), body: 'odd fine 2' }));
    // Three attempts, 100 ms apart, so the test sees the last one soon.
    const group = await hub.deps.queues.ingest.add('inbound', { deliveries: [fine1, bad, malformed, fine2] }, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });

    await until(() => group.getState(), (s) => s === 'completed', 15_000);
    expect((await q("select content from messages where content like 'odd fine%' order by content")).map((r: any) => r.content)).toEqual(['odd fine 1', 'odd fine 2']);
    // The malformed one is kept as not understood, never retried.
    const alone = await until(() => hub.deps.queues.ingest.getJob(`${bad.key}-alone`), Boolean, 5_000);
    expect(deliveriesOf(alone!).map((x) => x.key)).toEqual([bad.key]);
    await until(() => alone!.getState(), (s) => s === 'failed', 15_000);
    const failedJob = (await hub.deps.queues.ingest.getJob(alone!.id!))!;
    // The group used one attempt of three; alone it used the other two.
    expect(failedJob.attemptsMade).toBe(2);
    const rows = await kept([fine1.key, bad.key, malformed.key, fine2.key]);
    expect(Object.fromEntries(rows.map((r: any) => [r.job_id, r.outcome]))).toEqual({ [fine1.key]: 'stored', [bad.key]: 'failed', [malformed.key]: 'unsupported', [fine2.key]: 'stored' });
    expect(rows.find((r: any) => r.job_id === bad.key)!.detail).toMatch(/exploding payload/);
    expect(rows.find((r: any) => r.job_id === malformed.key)!.detail).toMatch(/parse failed/);
    expect(await n("select count(*)::int as n from messages where content = 'odd explode'")).toBe(0);

    // Fixed: replaying it stores it, once.
    await q('drop trigger explode_guard on webhook_events');
    const [failed] = (await hub.request('GET', '/api/webhook-events?outcome=failed', { token })).body;
    expect(failed.payload).toContain(wamid('odd-bad'));
    expect((await hub.request('POST', `/api/webhook-events/${failed.id}/replay`, { token })).status).toBe(202);
    await until(() => n("select count(*)::int as n from messages where content = 'odd explode'"), (x) => x === 1, 15_000);
    expect(await n("select count(*)::int as n from messages where content like 'odd fine%'")).toBe(2);
  });

  it('still processes jobs queued in the one-delivery shape of old (a backlog from before an upgrade)', async () => {
    const old = Array.from({ length: 3 }, (_, i) => ({ id: `old-${i}`, body: textWebhook({ waId: waId(40), id: wamid(`old-${i}`), body: `old ${i}` }) }));
    for (const o of old) await hub.deps.queues.ingest.add('inbound', { channelId, deliveryId: o.id, raw: raw(o.body) }, { jobId: inboundJobId(channelId, o.id) });
    await until(() => n("select count(*)::int as n from messages where content like 'old %'"), (x) => x >= 3, 15_000);
    // Redelivered after the upgrade, in a group: the same key, so nothing doubles.
    await Promise.all(old.map((o) => enqueueInbound(hub.deps.queues, channelId, o.id, raw(o.body))));
    const keys = old.map((o) => inboundJobId(channelId, o.id));
    const jobs = await jobsHolding(keys);
    expect(jobs).toHaveLength(4);
    for (const j of jobs) await until(() => j.getState(), (s) => s === 'completed', 15_000);
    expect(await n("select count(*)::int as n from messages where content like 'old %'")).toBe(3);
    const rows = await kept(keys);
    expect(rows.map((r: any) => r.outcome)).toEqual(['stored', 'stored', 'stored']);
  });
});

describe('Redis unavailable', () => {
  it('answers 503 and queues nothing of a group it could not confirm; redelivered, each delivery is queued once', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hub-redis-groups-'));
    const silent = createLogger('silent');
    let redis = await startEmbeddedRedis(dir, silent, { port });
    cleanups.push(() => redis.stop());
    const api = await startTestHub({ ROLE: 'api' }, { redisUrl: redis.url });
    cleanups.push(() => api.close());
    const ch = (await createWhatsAppChannel(api, await api.login())).id;
    const body = (i: number) => textWebhook({ waId: waId(50 + (i % 4)), id: wamid(`down-${i}`), body: `down ${i}`, timestamp: 1731800000 + i });
    const before = await Promise.all([0, 1, 2, 3, 4].map((i) => postWebhook(api, ch, body(i))));
    expect(before.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const queuedBodies = async () => (await allJobs(api)).flatMap((j) => deliveriesOf(j).map((d) => d.raw.body));
    expect((await queuedBodies()).sort()).toEqual([0, 1, 2, 3, 4].map(body).sort());

    await redis.stop();
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => postWebhook(api, ch, body(100 + i))));
    expect(during.map((r) => r.status)).toEqual(during.map(() => 503));
    expect((await during[0]!.json()).error.code).toBe('service_unavailable');

    // Back with what it held (its append-only file): the five, and nothing of the refused twenty.
    redis = await startEmbeddedRedis(dir, silent, { port });
    await until(() => api.deps.queues.ingest.getJobCounts().then(() => true, () => false), Boolean, 10_000, 100);
    expect((await queuedBodies()).sort()).toEqual([0, 1, 2, 3, 4].map(body).sort());
    // The platform redelivers the twenty (twice): each is queued once.
    for (let round = 0; round < 2; round++) {
      const again = await Promise.all(Array.from({ length: 20 }, (_, i) => until(() => postWebhook(api, ch, body(100 + i)).then((r) => r.status), (s) => s === 200, 10_000, 100)));
      expect(again).toEqual(again.map(() => 200));
    }
    const bodies = await queuedBodies();
    expect(bodies).toHaveLength(25);
    expect(new Set(bodies).size).toBe(25);
  }, 60_000);
});
