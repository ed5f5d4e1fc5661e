import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let admin: string;
let agent: string;
let adminB: string;

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api' });
  admin = await hub.login();
  expect((await hub.request('POST', '/api/users', { token: admin, body: { email: 'agent@a.test', password: 'agent-password', name: 'Agent A', role: 'agent' } })).status).toBe(201);
  agent = await hub.login('agent@a.test', 'agent-password');
  expect((await hub.request('POST', '/api/organizations', { token: admin, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-password-1' } } })).status).toBe(201);
  adminB = await hub.login('admin@b.test', 'b-password-1');
});
afterAll(async () => { await hub?.close(); });

describe('/api/canned-responses', () => {
  it('lets admins create, list, edit and delete them; agents read them', async () => {
    const created = await hub.request('POST', '/api/canned-responses', { token: admin, body: { shortCode: 'hours', content: 'Hi {{contact.name}}, we are open 9-5.' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ shortCode: 'hours', content: 'Hi {{contact.name}}, we are open 9-5.' });
    await hub.request('POST', '/api/canned-responses', { token: admin, body: { shortCode: 'bye', content: 'Bye!' } });
    const list = await hub.request('GET', '/api/canned-responses', { token: agent });
    expect(list.status).toBe(200);
    expect(list.body.map((r: any) => r.shortCode)).toEqual(['bye', 'hours']);

    const edited = await hub.request('PATCH', `/api/canned-responses/${created.body.id}`, { token: admin, body: { content: 'Open 8-6 now.' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ shortCode: 'hours', content: 'Open 8-6 now.' });
    expect((await hub.request('DELETE', `/api/canned-responses/${created.body.id}`, { token: admin })).status).toBe(204);
    expect((await hub.request('GET', '/api/canned-responses', { token: admin })).body.map((r: any) => r.shortCode)).toEqual(['bye']);
    expect((await hub.request('DELETE', `/api/canned-responses/${created.body.id}`, { token: admin })).status).toBe(404);
  });

  it('refuses agents changing them (403), and anyone without a token (401)', async () => {
    const r = await hub.request('POST', '/api/canned-responses', { token: agent, body: { shortCode: 'x', content: 'y' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    const [bye] = (await hub.request('GET', '/api/canned-responses', { token: agent })).body;
    expect((await hub.request('PATCH', `/api/canned-responses/${bye.id}`, { token: agent, body: { content: 'hacked' } })).status).toBe(403);
    expect((await hub.request('DELETE', `/api/canned-responses/${bye.id}`, { token: agent })).status).toBe(403);
    expect((await hub.request('GET', '/api/canned-responses')).status).toBe(401);
    expect((await hub.request('GET', '/api/canned-responses', { token: admin })).body[0].content).toBe('Bye!');
  });

  it('answers bad input with JSON errors and stores nothing', async () => {
    for (const body of [{ shortCode: '', content: 'x' }, { shortCode: 'has space', content: 'x' }, { shortCode: 'ok' }, { shortCode: 'ok', content: '   ' }, { shortCode: 'a'.repeat(65), content: 'x' }]) {
      const r = await hub.request('POST', '/api/canned-responses', { token: admin, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.body.error.message).toBe('string');
    }
    const dup = await hub.request('POST', '/api/canned-responses', { token: admin, body: { shortCode: 'bye', content: 'again' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('short_code_taken');
    expect((await hub.request('GET', '/api/canned-responses', { token: admin })).body.map((r: any) => r.content)).toEqual(['Bye!']);
    expect((await hub.request('PATCH', '/api/canned-responses/not-a-uuid', { token: admin, body: { content: 'x' } })).status).toBe(404);
  });

  it("keeps organizations apart: another organization's response is a 404 and never listed", async () => {
    const [bye] = (await hub.request('GET', '/api/canned-responses', { token: admin })).body;
    expect((await hub.request('GET', '/api/canned-responses', { token: adminB })).body).toEqual([]);
    expect((await hub.request('PATCH', `/api/canned-responses/${bye.id}`, { token: adminB, body: { content: 'hijacked' } })).status).toBe(404);
    expect((await hub.request('DELETE', `/api/canned-responses/${bye.id}`, { token: adminB })).status).toBe(404);
    // The same short code is free in another organization.
    expect((await hub.request('POST', '/api/canned-responses', { token: adminB, body: { shortCode: 'bye', content: 'Ciao' } })).status).toBe(201);
    expect((await hub.request('GET', '/api/canned-responses', { token: admin })).body[0].content).toBe('Bye!');
  });
});
