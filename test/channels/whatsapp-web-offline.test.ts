// The real whatsapp-web.js and a real Chromium, offline: every request of the browser goes to a
// refused loopback proxy (127.0.0.1:9), so nothing leaves the machine and web.whatsapp.com never loads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSocket } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';

describe('whatsapp web with the real library and Chromium, offline', () => {
  let hub: TestHub;
  let token: string;
  let admin: AgentSocket;

  beforeAll(async () => {
    hub = await startTestHub({ WA_WEB_CHROMIUM_ARGS: '--proxy-server=127.0.0.1:9' });
    token = await hub.login();
    admin = await AgentSocket.connect(hub.url!, token);
  });
  afterAll(async () => {
    admin?.close();
    await hub?.close();
  });

  it('initialize() fails: the channel shows error naming web.whatsapp.com and the next retry, and the hub keeps serving', async () => {
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Offline phone' } });
    expect(r.status, r.text).toBe(201);
    const failed = await admin.waitFor('channel_updated', (c) => c.id === r.body.id && c.status === 'error', 60_000);
    expect(failed.statusReason).toMatch(/web\.whatsapp\.com/);
    const next = /next retry at (\S+)\)/.exec(failed.statusReason)?.[1];
    expect(Date.parse(next!)).toBeGreaterThan(Date.now() - 1_000);
    const ended = hub.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'whatsapp web client ended');
    expect(ended.afterMs).toBeGreaterThan(0);
    // The figure for the report: from initialize() to the offline failure.
    console.log(`whatsapp-web offline: initialize() -> failure in ${ended.afterMs} ms; reason: ${failed.statusReason}`);
    expect((await hub.request('GET', '/healthz')).status).toBe(200);
    expect((await hub.request('GET', `/api/channels/${r.body.id}`, { token })).body.status).toBe('error');
  }, 90_000);
});
