import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let owner: string;
let adminB: string;
let agentA: string;

const get = (path: string, headers: Record<string, string> = {}) => fetch(hub.url + path, { headers, redirect: 'manual' });

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api' });
  owner = await hub.login();
  const org = await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-password-1' } } });
  expect(org.status).toBe(201);
  adminB = await hub.login('admin@b.test', 'b-password-1');
  expect((await hub.request('POST', '/api/users', { token: owner, body: { email: 'agent@a.test', password: 'agent-password', name: 'Agent', role: 'admin' } })).status).toBe(201);
  agentA = await hub.login('agent@a.test', 'agent-password');
});
afterAll(async () => { await hub?.close(); });

describe('Bull Board at /admin/queues', () => {
  it('refuses anyone without a session or token with a JSON 401', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const r = await get(path);
      expect(r.status, path).toBe(401);
      expect((await r.json()).error.code).toBe('unauthorized');
    }
    const forged = await get('/admin/queues', { cookie: 'hub_queue_board=eyJhbGciOiJIUzI1NiJ9.e30.x' });
    expect(forged.status).toBe(401);
  });

  it('refuses admins (of any organization) with a JSON 403, by token and by session', async () => {
    for (const token of [adminB, agentA]) {
      const r = await get('/admin/queues/api/queues', { authorization: `Bearer ${token}` });
      expect(r.status).toBe(403);
      expect((await r.json()).error.code).toBe('forbidden');
      const session = await hub.request('POST', '/api/queue-board/session', { token });
      expect(session.status).toBe(403);
    }
  });

  it('opens for the instance owner through a short-lived, HttpOnly, path-scoped cookie', async () => {
    const res = await fetch(`${hub.url}/api/queue-board/session`, { method: 'POST', headers: { authorization: `Bearer ${owner}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ url: '/admin/queues', expiresInSeconds: 900 });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^hub_queue_board=[^;]+/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    expect(setCookie).toMatch(/Max-Age=900/);
    const cookie = setCookie.split(';')[0]!;

    const page = await get('/admin/queues', { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Hub queues');
    // Its page links a web font elsewhere: the policy keeps the browser from fetching it.
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(html).toContain('<base href="/admin/queues/" />');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await get(`/admin/queues/${script}`, { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await get(`/admin/queues/${script}`)).status).toBe(401);

    const api = await get('/admin/queues/api/queues', { cookie });
    expect(api.status).toBe(200);
    const names = (await api.json()).queues.map((q: { name: string }) => q.name);
    expect(names).toEqual(expect.arrayContaining(['ingest', 'outbound', 'media', 'maintenance']));
    // The owner's own bearer token opens it too (scripts, curl).
    expect((await get('/admin/queues/api/queues', { authorization: `Bearer ${owner}` })).status).toBe(200);

    // The board's token is good for nothing else, and an API token is not a board cookie.
    const boardToken = cookie.split('=')[1]!;
    const asBearer = await hub.request('GET', '/api/users', { token: boardToken });
    expect(asBearer.status).toBe(401);
    expect((await get('/admin/queues', { cookie: `hub_queue_board=${owner}` })).status).toBe(401);
  });
});
