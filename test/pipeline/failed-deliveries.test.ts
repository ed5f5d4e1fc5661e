import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { APP_SECRET, PHONE_NUMBER_ID, createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

/**
 * Deliveries that cannot be processed: a Postgres trigger refuses messages whose text starts with
 * "poison" (a real database error, as a bad row would raise), until the "fix" drops it.
 */
let hub: TestHub;
let ownerA: string;
let adminB: string;
let channelA: string;
let channelB: string;

const q = (text: string, params: unknown[] = []) => hub.deps.orm.em.getConnection().execute(text, params);

/** A signed delivery of two messages from one contact: the first refused by the trigger, the second ordinary. */
async function deliver(channelId: string, tag: string) {
  const body = JSON.parse(textWebhook({ waId: waId(tag === 'a' ? 1 : 2), id: wamid(`poison-${tag}`), body: `poison ${tag.toUpperCase()}` }));
  const value = body.entry[0].changes[0].value;
  value.messages.push({ ...value.messages[0], id: wamid(`fine-${tag}`), text: { body: `fine ${tag.toUpperCase()}` } });
  value.metadata.access_token = 'EAA-should-not-be-kept';
  const r = await postWebhook(hub, channelId, JSON.stringify(body));
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  hub = await startTestHub();
  ownerA = await hub.login();
  channelA = (await createWhatsAppChannel(hub, ownerA)).id;
  const org = await hub.request('POST', '/api/organizations', { token: ownerA, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-password-1' } } });
  expect(org.status).toBe(201);
  adminB = await hub.login('admin@b.test', 'b-password-1');
  const ch = await hub.request('POST', '/api/channels', {
    token: adminB,
    body: { kind: 'whatsapp_cloud', name: 'WA B', credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'EAAb', appSecret: APP_SECRET, verifyToken: 'verify-b' } },
  });
  expect(ch.status).toBe(201);
  channelB = ch.body.id;
  await q(`create function poison_guard() returns trigger language plpgsql as $$
    begin raise exception 'poisoned message %', new.external_id; end $$`);
  await q(`create trigger poison_guard before insert on messages for each row when (new.content like 'poison%') execute function poison_guard()`);
});
afterAll(async () => { await hub?.close(); });

describe('failed deliveries', () => {
  it('a delivery that cannot be fully processed is kept as failed, with its channel, reason and redacted payload, for its organization only', async () => {
    await deliver(channelA, 'a');
    await deliver(channelB, 'b');

    const failedA = await until(async () => (await hub.request('GET', '/api/webhook-events?outcome=failed', { token: ownerA })).body, (b) => b?.length === 1, 15_000);
    expect(failedA[0]).toMatchObject({ channelId: channelA, channelName: 'WhatsApp', channelKind: 'whatsapp_cloud', outcome: 'failed' });
    expect(failedA[0].detail).toMatch(/poisoned message/);
    expect(failedA[0].payload).toContain(wamid('poison-a'));
    expect(failedA[0].payload).not.toContain('EAA-should-not-be-kept');
    expect(new Date(failedA[0].receivedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const failedB = await until(async () => (await hub.request('GET', '/api/webhook-events?outcome=failed', { token: adminB })).body, (b) => b?.length === 1, 15_000);
    expect(failedB[0]).toMatchObject({ channelId: channelB, channelName: 'WA B' });
    expect(failedB[0].payload).not.toContain(wamid('poison-a'));
    expect(await q("select count(*)::int as n from messages where content like 'poison%'")).toEqual([{ n: 0 }]);
    // Its neighbour in the same delivery is stored all the same.
    expect(await q("select content from messages where content like 'fine%' order by content")).toEqual([{ content: 'fine A' }, { content: 'fine B' }]);
  });

  it('an admin cannot replay another organization\'s delivery, and replaying all replays only their own', async () => {
    const [a] = (await hub.request('GET', '/api/webhook-events?outcome=failed', { token: ownerA })).body;
    const cross = await hub.request('POST', `/api/webhook-events/${a.id}/replay`, { token: adminB });
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('not_found');
    // B replays all of its own; the fix is not in yet, so it fails again, as a new failed row. A's is untouched.
    const [before] = (await hub.request('GET', '/api/webhook-events?outcome=failed', { token: adminB })).body;
    const allB = await hub.request('POST', '/api/webhook-events/replay', { token: adminB, body: {} });
    expect(allB).toMatchObject({ status: 202, body: { replayed: 1 } });
    expect(await q('select outcome from webhook_events where id = ?', [before.id])).toEqual([{ outcome: 'replayed' }]);
    const again = await until(async () => (await hub.request('GET', '/api/webhook-events?outcome=failed', { token: adminB })).body, (b) => b?.length === 1, 15_000);
    expect(again[0].id).not.toBe(before.id);
    expect(again[0].detail).toMatch(/poisoned message/);
    expect(await q('select outcome from webhook_events where channel_id = ?', [channelA])).toEqual([{ outcome: 'failed' }]);
  });

  it('after a fix, replaying all of an organization\'s failed deliveries stores them, once', async () => {
    await q('drop trigger poison_guard on messages');
    const r = await hub.request('POST', '/api/webhook-events/replay', { token: ownerA, body: { outcome: 'failed' } });
    expect(r).toMatchObject({ status: 202, body: { replayed: 1 } });
    await until(async () => (await q("select count(*)::int as n from messages where content = 'poison A'"))[0].n, (n) => n === 1, 15_000);
    expect((await hub.request('GET', '/api/webhook-events?outcome=failed', { token: ownerA })).body).toEqual([]);
    const replayed = (await hub.request('GET', '/api/webhook-events?outcome=replayed', { token: ownerA })).body;
    expect(replayed).toHaveLength(1);
    // Replaying again is harmless: the message is a duplicate, not a second copy.
    expect((await hub.request('POST', `/api/webhook-events/${replayed[0].id}/replay`, { token: ownerA })).status).toBe(202);
    await until(async () => (await q("select count(*)::int as n from webhook_events where channel_id = ? and outcome = 'duplicate'", [channelA]))[0].n, (n) => n === 1, 15_000);
    expect(await q("select count(*)::int as n from messages where content = 'poison A'")).toEqual([{ n: 1 }]);
    // B's failed delivery was not replayed by A.
    expect((await hub.request('GET', '/api/webhook-events?outcome=failed', { token: adminB })).body).toHaveLength(1);
    expect(await q("select count(*)::int as n from messages where content = 'poison B'")).toEqual([{ n: 0 }]);
  });

  it('refuses agents and bad filters with a JSON error', async () => {
    const agent = await hub.request('POST', '/api/users', { token: ownerA, body: { email: 'agent@a.test', password: 'agent-password', name: 'Agent', role: 'agent' } });
    expect(agent.status).toBe(201);
    const agentToken = await hub.login('agent@a.test', 'agent-password');
    for (const [method, path] of [['GET', '/api/webhook-events?outcome=failed'], ['POST', '/api/webhook-events/replay']] as const) {
      const res = await hub.request(method, path, { token: agentToken, body: method === 'POST' ? {} : undefined });
      expect(res.status, path).toBe(403);
    }
    const bad = await hub.request('GET', '/api/webhook-events?outcome=lost', { token: ownerA });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_error');
    const badReplay = await hub.request('POST', '/api/webhook-events/replay', { token: ownerA, body: { outcome: 'stored' } });
    expect(badReplay.status).toBe(400);
  });
});
