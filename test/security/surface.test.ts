// Bad input on lists and sockets, browser origins, /metrics and the headers every answer carries.
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSocket } from '../support/agent.js';
import { TEST_METRICS_TOKEN, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

let hub: TestHub;
let token: string;
let agent: AgentSocket;
const ALLOWED = 'https://crm.example.test';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const BAD_CURSORS = ['not-a-cursor!!', b64(['x', 'y']), b64(['2026-01-01T00:00:00Z', 'not-a-uuid']), b64({ a: 1 }), b64(['2026-01-01T00:00:00Z', "'; select 1; --"])];

beforeAll(async () => {
  hub = await startTestHub({ CORS_ORIGINS: ALLOWED });
  token = await hub.login();
  agent = await AgentSocket.connect(hub.url!, token);
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
});

describe('lists and cursors', () => {
  it('every bad cursor is a 400 JSON error over REST, and no SQL reaches the log', async () => {
    for (const cursor of BAD_CURSORS) {
      const r = await hub.request('GET', `/api/conversations?cursor=${encodeURIComponent(cursor)}`, { token });
      expect(r.status, cursor).toBe(400);
      expect(r.body.error.code).toBe('invalid_cursor');
    }
    for (const filter of ['status=bogus', 'assignedTo=someone', 'channelId=1%20or%201=1', 'limit=100000', 'clientId=x', `search=${'x'.repeat(300)}`]) {
      const r = await hub.request('GET', `/api/conversations?${filter}`, { token });
      expect(r.status, filter).toBe(400);
      expect(r.body.error.code).toBe('validation_error');
    }
    const page = await hub.request('GET', '/api/conversations/00000000-0000-4000-8000-000000000000/messages?before=1e30', { token });
    expect(page.status).toBe(400);
    expect(hub.logs()).not.toMatch(/select |timestamptz|request failed/i);
  });

  it('and over the socket, for conversations, prospects and clients', async () => {
    for (const event of ['load_conversations', 'load_prospects', 'load_clients']) {
      for (const cursor of BAD_CURSORS) {
        const ack = await agent.call(event, { cursor });
        expect(ack.error?.code, `${event} ${cursor}`).toBe('invalid_cursor');
      }
    }
    for (const filter of [{ status: 'bogus' }, { channelId: "' or 1=1" }, { limit: 5000 }]) {
      expect((await agent.call('load_conversations', filter)).error?.code).toBe('validation_error');
    }
    expect(hub.logs()).not.toMatch(/select |timestamptz|socket handler failed/i);
  });

  it('a good cursor still pages', async () => {
    const r = await hub.request('GET', '/api/conversations?limit=1', { token });
    expect(r.status).toBe(200);
    const ack = await agent.call('load_prospects', { cursor: b64([new Date().toISOString(), '00000000-0000-4000-8000-000000000000']) });
    expect(ack.ok).toBe(true);
  });

  it('database errors are logged without their SQL or values', async () => {
    const { createLogger } = await import('../../src/logger.js');
    let line = '';
    const log = createLogger('info', { write: (s: string) => void (line += s) });
    const err = await hub.deps.orm.em.getConnection().execute("select 'secret-value'::uuid").catch((e) => e);
    log.error({ err }, 'request failed');
    expect(line).toMatch(/database error 22P02/);
    expect(line).not.toMatch(/select|secret-value/);
  });
});

describe('socket payloads', () => {
  it('a huge conversationId is refused before it is remembered or looked up', async () => {
    const ack = await agent.call('typing', { conversationId: 'x'.repeat(50 * 1024), isTyping: true });
    expect(ack.error?.code).toBe('validation_error');
    for (const event of ['mark_as_read', 'load_messages', 'send_message']) {
      const r = await agent.call(event, { conversationId: 'x'.repeat(10_000), content: 'hi' });
      expect(r.error?.code, event).toBe('validation_error');
    }
  });

  it('a 900 KB frame closes the socket instead of being parsed', async () => {
    const other = await AgentSocket.connect(hub.url!, token);
    other.socket.emit('typing', { conversationId: 'x'.repeat(900 * 1024) });
    await new Promise((r) => other.socket.once('disconnect', r));
    expect(other.disconnectReason).toMatch(/transport (close|error)/);
    // The hub is fine and serves the others.
    expect((await agent.call('load_conversations', {})).ok).toBe(true);
  });
});

describe('browser origins', () => {
  const connect = (origin?: string) =>
    new Promise<string>((resolve) => {
      const s = io(hub.url!, { auth: { token }, transports: ['websocket'], reconnection: false, extraHeaders: origin ? { origin } : {} });
      s.once('connect', () => (s.close(), resolve('connected')));
      s.once('connect_error', (e) => (s.close(), resolve(`refused: ${e.message}`)));
    });

  it('Socket.IO accepts the hub’s own origin and CORS_ORIGINS only', async () => {
    expect(await connect('https://evil.example')).toMatch(/^refused/);
    expect(await connect('http://localhost.evil.example')).toMatch(/^refused/);
    expect(await connect(new URL(hub.deps.publicUrl).origin)).toBe('connected');
    expect(await connect(hub.url)).toBe('connected'); // the page was served from the host it asks
    expect(await connect(ALLOWED)).toBe('connected');
    expect(await connect()).toBe('connected'); // not a browser
  });

  it('REST CORS answers only allowed origins', async () => {
    const preflight = (origin: string) => fetch(`${hub.url}/api/conversations`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(ALLOWED)).headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const get = await fetch(`${hub.url}/api/conversations`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('/metrics and headers', () => {
  it('/metrics needs the bearer token', async () => {
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${hub.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('hub_http_request_duration_seconds');
  });

  it('without METRICS_TOKEN, /metrics is not served', async () => {
    const bare = await startTestHub({ METRICS_TOKEN: '', ROLE: 'api' });
    try {
      expect((await fetch(`${bare.url}/metrics`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('secure headers everywhere, a strict CSP on the API, the app’s own on its page', async () => {
    const api = await fetch(`${hub.url}/api/conversations`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(api.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    // Webhook answers carry them too (set from a plain object there): acknowledgement, verification echo, refusal.
    const channel = await createWhatsAppChannel(hub, token);
    const body = textWebhook({ waId: waId(9101), id: wamid('headers-1'), body: 'headers' });
    const answers = [
      await postWebhook(hub, channel.id, body),
      await fetch(`${hub.url}/webhooks/${channel.id}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=%3Cscript%3E1%3C/script%3E`),
      await postWebhook(hub, channel.id, body, 'sha256=00'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401]);
    expect(await answers[1]!.text()).toBe('<script>1</script>');
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(r.headers.get('content-security-policy')).toBe(api.headers.get('content-security-policy'));
    }
    expect(answers[1]!.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await answers[0]!.json()).toEqual({ ok: true });
    const page = await fetch(`${hub.url}/login`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline'?[^;]*script|script-src[^;]*unsafe/);
  });
});
