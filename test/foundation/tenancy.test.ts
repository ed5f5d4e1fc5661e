import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let owner: string;
let adminB: string;
let agentA: string;
let channelA: string;
let userA: string;

const waCreds = { phoneNumberId: '1234567890', accessToken: 'EAAG-secret-access-token', appSecret: 'app-secret-abc' };

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api' });
  owner = await hub.login();
  const org = await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-password-1' } } });
  expect(org.status).toBe(201);
  adminB = await hub.login('admin@b.test', 'b-password-1');
  const agent = await hub.request('POST', '/api/users', { token: owner, body: { email: 'agent@a.test', password: 'agent-password', name: 'Agent A', role: 'agent' } });
  expect(agent.status).toBe(201);
  userA = agent.body.id;
  agentA = await hub.login('agent@a.test', 'agent-password');
  const ch = await hub.request('POST', '/api/channels', { token: owner, body: { kind: 'whatsapp_cloud', name: 'WA A', credentials: waCreds } });
  expect(ch.status).toBe(201);
  channelA = ch.body.id;
});
afterAll(async () => { await hub?.close(); });

describe('roles', () => {
  it('forbids an agent from managing channels and users (403)', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/channels'], ['POST', '/api/channels', { kind: 'telegram', name: 'x', credentials: {} }],
      ['GET', `/api/channels/${channelA}`], ['DELETE', `/api/channels/${channelA}`],
      ['GET', '/api/users'], ['POST', '/api/users', { email: 'x@a.test', password: 'password-1', name: 'X' }],
      ['PATCH', `/api/users/${userA}`, { name: 'Y' }],
    ] as const) {
      const r = await hub.request(method, path, { token: agentA, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await hub.request('GET', `/api/channels/${channelA}`, { token: owner })).status).toBe(200);
  });

  it('lets only the owner create organizations', async () => {
    const r = await hub.request('POST', '/api/organizations', { token: adminB, body: { name: 'Org C', admin: { email: 'c@c.test', password: 'c-password-1' } } });
    expect(r.status).toBe(403);
  });
});

describe('organizations are isolated', () => {
  it("does not show one organization's users or channels to another's admin", async () => {
    const users = await hub.request('GET', '/api/users', { token: adminB });
    expect(users.status).toBe(200);
    expect(users.body.map((u: any) => u.email)).toEqual(['admin@b.test']);
    const channels = await hub.request('GET', '/api/channels', { token: adminB });
    expect(channels.body).toEqual([]);
  });

  it("answers 404 for another organization's channel or user, and changes nothing", async () => {
    expect((await hub.request('GET', `/api/channels/${channelA}`, { token: adminB })).status).toBe(404);
    expect((await hub.request('PATCH', `/api/channels/${channelA}`, { token: adminB, body: { name: 'hijacked' } })).status).toBe(404);
    expect((await hub.request('DELETE', `/api/channels/${channelA}`, { token: adminB })).status).toBe(404);
    expect((await hub.request('PATCH', `/api/users/${userA}`, { token: adminB, body: { name: 'hijacked' } })).status).toBe(404);
    expect((await hub.request('DELETE', `/api/users/${userA}`, { token: adminB })).status).toBe(404);
    const ch = await hub.request('GET', `/api/channels/${channelA}`, { token: owner });
    expect(ch.body.name).toBe('WA A');
    const users = await hub.request('GET', '/api/users', { token: owner });
    expect(users.body.find((u: any) => u.id === userA).name).toBe('Agent A');
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expect((await hub.request('GET', '/api/channels/00000000-0000-4000-8000-000000000000', { token: owner })).status).toBe(404);
    const r = await hub.request('GET', '/api/channels/not-a-uuid', { token: owner });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('answers every id-taking route alike for a malformed id, an unknown one and another organization\'s: 404 not_found', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const routes: [string, (id: string) => string, unknown?][] = [
      ['GET', (id) => `/api/channels/${id}`], ['PATCH', (id) => `/api/users/${id}`, { name: 'X' }], ['DELETE', (id) => `/api/invites/${id}`],
      ['PATCH', (id) => `/api/bot/prompts/${id}`, { enabled: false }], ['POST', (id) => `/api/webhook-events/${id}/replay`],
      ['GET', (id) => `/api/conversations/${id}`], ['POST', (id) => `/api/messages/${id}/retry`], ['POST', (id) => `/api/attachments/${id}/retry`],
      ['GET', (id) => `/api/clients/${id}`], ['POST', (id) => `/api/prospects/${id}/convert`, { firstName: 'X' }],
      ['POST', (id) => `/api/notifications/${id}/read`],
    ];
    for (const [method, path, body] of routes) {
      for (const id of ['not-a-uuid', unknown]) {
        const r = await hub.request(method, path(id), { token: owner, body });
        expect([r.status, r.body?.error?.code], `${method} ${path(id)}`).toEqual([404, 'not_found']);
      }
    }
    // Organization A's channel and user, asked for by B's admin.
    for (const [method, path, body] of [['GET', `/api/channels/${channelA}`], ['PATCH', `/api/users/${userA}`, { name: 'X' }]] as const) {
      const r = await hub.request(method, path, { token: adminB, body });
      expect([r.status, r.body?.error?.code], `${method} ${path}`).toEqual([404, 'not_found']);
    }
  });

  it('asks for a token on every route after sign-in, and answers an unknown /api path with 404 either way', async () => {
    expect((await hub.request('GET', '/api/conversations')).status).toBe(401);
    expect((await hub.request('POST', `/api/attachments/${channelA}/retry`)).status).toBe(401);
    expect((await hub.request('GET', '/api/nothing-here')).status).toBe(404);
    expect((await hub.request('GET', '/api/nothing-here', { token: owner })).status).toBe(404);
  });
});

describe('users', () => {
  it('creates, updates, disables and deletes users in the organization', async () => {
    const created = await hub.request('POST', '/api/users', { token: adminB, body: { email: 'Agent2@B.test', password: 'agent2-password', name: 'Two' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'agent2@b.test', role: 'agent' });
    const dup = await hub.request('POST', '/api/users', { token: adminB, body: { email: 'agent2@b.test', password: 'agent2-password', name: 'Two' } });
    expect(dup.status).toBe(409);
    const agentToken = await hub.login('agent2@b.test', 'agent2-password');
    const disabled = await hub.request('PATCH', `/api/users/${created.body.id}`, { token: adminB, body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect((await hub.request('GET', '/api/me', { token: agentToken })).status).toBe(401);
    expect((await hub.request('DELETE', `/api/users/${created.body.id}`, { token: adminB })).status).toBe(204);
    expect((await hub.request('GET', '/api/users', { token: adminB })).body).toHaveLength(1);
  });
});
