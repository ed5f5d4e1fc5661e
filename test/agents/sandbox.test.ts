import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';
import { until } from '../support/agent.js';

let demo: TestHub;
let token: string;

beforeAll(async () => {
  // Fast statuses are a channel setting; the demo seed uses the defaults (under a few seconds).
  demo = await startTestHub({ HUB_DEMO: '1' });
  token = await demo.login();
});
afterAll(async () => { await demo?.close(); });

describe('demo data on the sandbox connector', () => {
  it('seeds active sandbox channels that stand in for each platform', async () => {
    const channels = await demo.request('GET', '/api/channels', { token });
    expect(channels.status).toBe(200);
    expect(channels.body.length).toBeGreaterThanOrEqual(4);
    expect(channels.body.every((c: any) => c.kind === 'sandbox' && c.status === 'active')).toBe(true);
    expect(new Set(channels.body.map((c: any) => c.platform))).toEqual(new Set(['whatsapp', 'facebook', 'telegram', 'email']));
  });

  it("takes the first reply, reports it delivered then read, and the prospect answers", async () => {
    const list = await demo.request('GET', '/api/conversations', { token });
    const conv = list.body.items.find((c: any) => c.platform === 'whatsapp');
    const sent = await demo.request('POST', `/api/conversations/${conv.id}/messages`, { token, body: { content: 'Hi Ana, it takes 3 days.', clientMessageId: 'demo-first-reply' } });
    expect(sent.status).toBe(201);
    const seen: string[] = [];
    const page = await until(async () => {
      const r = await demo.request('GET', `/api/conversations/${conv.id}/messages`, { token });
      const mine = r.body.items.find((m: any) => m.id === sent.body.id);
      if (mine && seen.at(-1) !== mine.status) seen.push(mine.status);
      return r.body.items;
    }, (items: any[]) => items.find((m) => m.id === sent.body.id)?.status === 'read' && items.at(-1).senderType === 'prospect', 15_000, 20);
    expect(seen.at(-1)).toBe('read');
    expect(page.at(-1)).toMatchObject({ senderType: 'prospect', content: expect.stringContaining('demo contact') });
    // Statuses only move forward ('delivered' may fall between two polls).
    expect(seen.every((s, i) => i === 0 || ['pending', 'sent', 'delivered', 'read'].indexOf(s) > ['pending', 'sent', 'delivered', 'read'].indexOf(seen[i - 1]!))).toBe(true);
  });

  it('lets an admin add a sandbox channel in demo mode only', async () => {
    const ok = await demo.request('POST', '/api/channels', { token, body: { kind: 'sandbox', name: 'Play', credentials: { sandboxId: 'play-sandbox-1' } } });
    expect(ok.status).toBe(201);
  });
});

describe('outside demo mode', () => {
  it('refuses to create a sandbox channel through the admin API (400, nothing stored)', async () => {
    const hub = await startTestHub({ ROLE: 'api' });
    try {
      const t = await hub.login();
      const r = await hub.request('POST', '/api/channels', { token: t, body: { kind: 'sandbox', name: 'Fake', credentials: { sandboxId: 'fake-sandbox-1' } } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_kind');
      expect((await hub.request('GET', '/api/channels', { token: t })).body).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});
