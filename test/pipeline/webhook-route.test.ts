import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, sign, textWebhook, waId, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let channelId: string;

beforeAll(async () => {
  // API role only: whatever is accepted stays in the queue, where the test can count it.
  hub = await startTestHub({ ROLE: 'api', BODY_LIMIT_BYTES: '65536' });
  channelId = (await createWhatsAppChannel(hub, await hub.login())).id;
});
afterAll(async () => { await hub?.close(); });

const queued = () => hub.deps.queues.ingest.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
const stored = async () => (await hub.deps.orm.em.getConnection().execute('select (select count(*) from webhook_events)::int as events, (select count(*) from messages)::int as messages'))[0];
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

describe('webhook route', () => {
  it('answers the subscription handshake only with the right verify token', async () => {
    const ok = await fetch(`${hub.url}/webhooks/${channelId}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(`${hub.url}/webhooks/${channelId}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444`);
    expect(bad.status).toBe(403);
    expect(await bad.text()).not.toContain('1158201444');
  });

  it('refuses bad input with the right status and a JSON error, storing and queueing nothing', async () => {
    const body = textWebhook({ waId: waId(1), id: wamid(1), body: 'hello' });
    const cases: [string, Promise<Response>, number][] = [
      ['missing signature', postWebhook(hub, channelId, body, null), 401],
      ['tampered body', postWebhook(hub, channelId, body.replace('hello', 'hellO'), sign(body)), 401],
      ['wrong secret', postWebhook(hub, channelId, body, sign(body, 'not-the-app-secret')), 401],
      ['unknown channel', postWebhook(hub, '6f0c5a4e-7a43-4a43-9a1e-2b6fd0b1a111', body), 404],
      ['not a uuid', postWebhook(hub, 'abc', body), 404],
      ['malformed JSON, correctly signed', postWebhook(hub, channelId, '{"object": "whatsapp_business_account", "entry": [', sign('{"object": "whatsapp_business_account", "entry": [')), 400],
      ['oversized', postWebhook(hub, channelId, JSON.stringify({ pad: 'x'.repeat(70_000) })), 413],
    ];
    for (const [name, res, status] of cases) {
      const r = await res;
      expect(r.status, name).toBe(status);
      const json = await r.json();
      expect(json.error.code, name).toBeTypeOf('string');
      expect(JSON.stringify(json), name).not.toMatch(/stack|at .*\.ts/);
    }
    expect(total(await queued())).toBe(0);
    expect(await stored()).toEqual({ events: 0, messages: 0 });
  });

  it('queues an accepted delivery once, however often it is redelivered', async () => {
    const body = textWebhook({ waId: waId(2), id: wamid(2), body: 'once' });
    const answers = await Promise.all([1, 2, 3].map(() => postWebhook(hub, channelId, body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await answers[0]!.json()).toEqual({ ok: true });
    expect((await queued()).waiting).toBe(1);
  });
});
