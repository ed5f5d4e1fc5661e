import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
let owner: string;
let ownerId: string;
let orgB: string;
let adminB: string;
let adminBId: string;

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api' });
  owner = await hub.login();
  ownerId = (await hub.request('GET', '/api/me', { token: owner })).body.id;
  const org = await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Org B', admin: { email: 'admin@b.test', password: 'b-admin-password' } } });
  expect(org.status).toBe(201);
  orgB = org.body.id;
  adminBId = org.body.admin.id;
  adminB = await hub.login('admin@b.test', 'b-admin-password');
});
afterAll(async () => { await hub?.close(); });

const addUser = async (token: string, email: string, role: 'admin' | 'agent' = 'agent', password = `${email.split('@')[0]}-password-x`) => {
  const r = await hub.request('POST', '/api/users', { token, body: { email, password, name: email.split('@')[0], role } });
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id as string, email, password, token: await hub.login(email, password) };
};

describe('owner and role rules', () => {
  it("refuses an admin changing the owner's password, role or standing (403), and the owner's password still works", async () => {
    const admin = await addUser(owner, 'second-admin@a.test', 'admin');
    for (const body of [{ password: 'taken-over-password' }, { name: 'Pwned' }, { role: 'agent' }, { disabled: true }]) {
      const r = await hub.request('PATCH', `/api/users/${ownerId}`, { token: admin.token, body });
      expect(r.status, JSON.stringify(body)).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await hub.request('DELETE', `/api/users/${ownerId}`, { token: admin.token })).status).toBe(403);
    expect((await hub.request('POST', '/api/auth/login', { body: { email: ADMIN.email, password: 'taken-over-password' } })).status).toBe(401);
    expect((await hub.request('POST', '/api/auth/login', { body: ADMIN })).status).toBe(200);
    expect((await hub.request('GET', '/api/users', { token: owner })).body.find((u: any) => u.id === ownerId)).toMatchObject({ name: 'Admin', role: 'owner', disabled: false });
  });

  it('lets the owner rename themselves, and an admin manage agents and other admins of their own organization', async () => {
    expect((await hub.request('PATCH', `/api/users/${ownerId}`, { token: owner, body: { name: 'The Owner' } })).body.name).toBe('The Owner');
    const agent = await addUser(adminB, 'agent@b.test');
    const otherAdmin = await addUser(adminB, 'admin2@b.test', 'admin');
    expect((await hub.request('PATCH', `/api/users/${agent.id}`, { token: adminB, body: { role: 'admin' } })).status).toBe(200);
    expect((await hub.request('PATCH', `/api/users/${otherAdmin.id}`, { token: adminB, body: { disabled: true } })).status).toBe(200);
    // Not another organization's users, whoever they are.
    expect((await hub.request('PATCH', `/api/users/${ownerId}`, { token: adminB, body: { password: 'cross-tenant-pass' } })).status).toBe(404);
  });

  it('refuses an admin disabling, demoting or deleting themselves', async () => {
    for (const body of [{ disabled: true }, { role: 'agent' }]) {
      expect((await hub.request('PATCH', `/api/users/${adminBId}`, { token: adminB, body })).status).toBe(403);
    }
    expect((await hub.request('DELETE', `/api/users/${adminBId}`, { token: adminB })).status).toBe(403);
  });

  it('never hands out the owner role', async () => {
    const r = await hub.request('POST', '/api/users', { token: owner, body: { email: 'new-owner@a.test', password: 'new-owner-password', name: 'X', role: 'owner' } });
    expect(r.status).toBe(400);
    expect((await hub.request('POST', '/api/invites', { token: owner, body: { email: 'x@a.test', role: 'owner' } })).status).toBe(400);
  });
});

describe('password policy', () => {
  it('refuses short, common and email-equal passwords with a 400 that says why', async () => {
    const cases: [string, string, RegExp][] = [
      ['12345678', 'validation_error', /10/],
      ['qwertyuiop', 'weak_password', /common/],
      ['password123', 'weak_password', /common/],
      ['PASSWORD123', 'weak_password', /common/],
      ['longname@a.test', 'weak_password', /email/],
    ];
    for (const [password, code, message] of cases) {
      const r = await hub.request('POST', '/api/users', { token: owner, body: { email: 'longname@a.test', password, name: 'L' } });
      expect(r.status, password).toBe(400);
      expect(r.body.error.code, password).toBe(code);
      expect(r.body.error.message, password).toMatch(message);
    }
    expect((await hub.request('GET', '/api/users', { token: owner })).body.map((u: any) => u.email)).not.toContain('longname@a.test');
  });
});

describe('changing one’s own password', () => {
  it('needs the current password, ends every older token and returns a new one', async () => {
    const u = await addUser(owner, 'changer@a.test');
    const otherDevice = await hub.login(u.email, u.password);
    const wrong = await hub.request('POST', '/api/me/password', { token: u.token, body: { currentPassword: 'not-my-password', newPassword: 'fresh-password-42' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('wrong_password');
    const weak = await hub.request('POST', '/api/me/password', { token: u.token, body: { currentPassword: u.password, newPassword: '1234567890' } });
    expect(weak.body.error.code).toBe('weak_password');

    const ok = await hub.request('POST', '/api/me/password', { token: u.token, body: { currentPassword: u.password, newPassword: 'fresh-password-42' } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(u.email);
    for (const old of [u.token, otherDevice]) expect((await hub.request('GET', '/api/me', { token: old })).status).toBe(401);
    expect((await hub.request('GET', '/api/me', { token: ok.body.token })).status).toBe(200);
    expect((await hub.request('POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).status).toBe(401);
    await hub.login(u.email, 'fresh-password-42');
    expect(hub.logs()).not.toContain('fresh-password-42');
  });
});

describe('invites', () => {
  it('creates a one-time link shown once; the invitee sets a password and signs in; the link then is dead', async () => {
    const created = await hub.request('POST', '/api/invites', { token: adminB, body: { email: 'Invitee@B.test', name: 'Ines', role: 'agent' } });
    expect(created.status).toBe(201);
    const { token, url } = created.body;
    expect(token).toMatch(/^[\w-]{40,}$/);
    expect(url).toBe(`${hub.deps.publicUrl}/invite#token=${token}`);
    expect(Date.parse(created.body.expiresAt) - Date.now()).toBeGreaterThan(71 * 3600_000);

    const list = await hub.request('GET', '/api/invites', { token: adminB });
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ email: 'invitee@b.test', role: 'agent', status: 'pending' });
    expect(JSON.stringify(list.body)).not.toContain(token);
    const [row] = await hub.deps.orm.em.getConnection().execute('select token_hash from invites where id = ?', [created.body.id]);
    expect(row.token_hash).not.toContain(token);
    expect((await hub.request('GET', '/api/invites', { token: owner })).body).toEqual([]);

    const info = await hub.request('POST', '/api/auth/invites/lookup', { body: { token } });
    expect(info.body).toMatchObject({ email: 'invitee@b.test', organizationName: 'Org B', role: 'agent' });
    expect((await hub.request('POST', '/api/auth/invites/accept', { body: { token, password: '12345678' } })).status).toBe(400);
    expect((await hub.request('POST', '/api/auth/invites/accept', { body: { token, password: 'invitee@b.test' } })).body.error.code).toBe('weak_password');
    const accepted = await hub.request('POST', '/api/auth/invites/accept', { body: { token, password: 'ines-own-password', name: 'Inês' } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({ email: 'invitee@b.test', name: 'Inês', role: 'agent', organizationId: orgB });
    expect((await hub.request('GET', '/api/me', { token: accepted.body.token })).status).toBe(200);
    await hub.login('invitee@b.test', 'ines-own-password');

    const again = await hub.request('POST', '/api/auth/invites/accept', { body: { token, password: 'second-use-password' } });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('invite_invalid');
    expect((await hub.request('GET', '/api/invites', { token: adminB })).body).toEqual([]);
  });

  it('a revoked, replaced or expired link does not work; nor does a made-up one', async () => {
    const first = await hub.request('POST', '/api/invites', { token: adminB, body: { email: 'late@b.test' } });
    const second = await hub.request('POST', '/api/invites', { token: adminB, body: { email: 'late@b.test', role: 'admin' } });
    expect((await hub.request('POST', '/api/auth/invites/lookup', { body: { token: first.body.token } })).status).toBe(404);
    expect((await hub.request('GET', '/api/invites', { token: adminB })).body.map((i: any) => i.id)).toEqual([second.body.id]);
    expect((await hub.request('DELETE', `/api/invites/${second.body.id}`, { token: owner })).status).toBe(404); // another organization
    expect((await hub.request('DELETE', `/api/invites/${second.body.id}`, { token: adminB })).status).toBe(204);
    expect((await hub.request('POST', '/api/auth/invites/accept', { body: { token: second.body.token, password: 'revoked-password' } })).status).toBe(404);

    const third = await hub.request('POST', '/api/invites', { token: adminB, body: { email: 'late@b.test' } });
    await hub.deps.orm.em.getConnection().execute("update invites set expires_at = now() - interval '1 minute' where id = ?", [third.body.id]);
    expect((await hub.request('GET', '/api/invites', { token: adminB })).body[0].status).toBe('expired');
    expect((await hub.request('POST', '/api/auth/invites/accept', { body: { token: third.body.token, password: 'expired-password' } })).status).toBe(404);
    expect((await hub.request('POST', '/api/auth/invites/accept', { body: { token: 'made-up-token', password: 'made-up-password' } })).status).toBe(404);
    expect((await hub.request('POST', '/api/auth/login', { body: { email: 'late@b.test', password: 'expired-password' } })).status).toBe(401);
  });

  it('is for admins only, and not for an email already in the organization', async () => {
    const agent = await addUser(adminB, 'plain-agent@b.test');
    expect((await hub.request('POST', '/api/invites', { token: agent.token, body: { email: 'x@b.test' } })).status).toBe(403);
    expect((await hub.request('GET', '/api/invites', { token: agent.token })).status).toBe(403);
    const dup = await hub.request('POST', '/api/invites', { token: adminB, body: { email: 'plain-agent@b.test' } });
    expect(dup.status).toBe(409);
  });
});

describe('emails are unique per organization', () => {
  it('lets another organization have an account with the same email, without telling it that one exists', async () => {
    await addUser(owner, 'shared@people.test', 'agent', 'shared-in-org-a');
    // Before: 409 email_taken here told org B's admin that the address has an account elsewhere.
    const inB = await hub.request('POST', '/api/users', { token: adminB, body: { email: 'shared@people.test', password: 'shared-in-org-b', name: 'Shared B' } });
    expect(inB.status).toBe(201);
    expect((await hub.request('POST', '/api/users', { token: adminB, body: { email: 'SHARED@people.test', password: 'shared-in-org-b', name: 'Again' } })).status).toBe(409);

    // Each password opens its own organization's account.
    const a = await hub.request('POST', '/api/auth/login', { body: { email: 'shared@people.test', password: 'shared-in-org-a' } });
    const b = await hub.request('POST', '/api/auth/login', { body: { email: 'shared@people.test', password: 'shared-in-org-b' } });
    expect(a.body.user.organizationId).not.toBe(orgB);
    expect(b.body.user.organizationId).toBe(orgB);
    const wrong = await hub.request('POST', '/api/auth/login', { body: { email: 'shared@people.test', password: 'not-either-one' } });
    const ghost = await hub.request('POST', '/api/auth/login', { body: { email: 'ghost@people.test', password: 'not-either-one' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(ghost.body);
  });

  it('asks which organization when one email and password open several, and signs in to the chosen one', async () => {
    await addUser(owner, 'same@people.test', 'agent', 'same-everywhere-pw');
    const second = await hub.request('POST', '/api/users', { token: adminB, body: { email: 'same@people.test', password: 'same-everywhere-pw', name: 'Same B' } });
    expect(second.status).toBe(201);
    const ask = await hub.request('POST', '/api/auth/login', { body: { email: 'same@people.test', password: 'same-everywhere-pw' } });
    expect(ask.status).toBe(409);
    expect(ask.body.error.code).toBe('organization_required');
    expect(ask.body.error.organizations.map((o: any) => o.name).sort()).toEqual(['My organization', 'Org B']);
    const chosen = await hub.request('POST', '/api/auth/login', { body: { email: 'same@people.test', password: 'same-everywhere-pw', organizationId: orgB } });
    expect(chosen.status).toBe(200);
    expect(chosen.body.user.organizationId).toBe(orgB);
  });

  it('creates an organization whose admin has an account elsewhere', async () => {
    const r = await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Org C', admin: { email: 'admin@b.test', password: 'c-admin-password' } } });
    expect(r.status).toBe(201);
    const c = await hub.request('POST', '/api/auth/login', { body: { email: 'admin@b.test', password: 'c-admin-password' } });
    expect(c.body.user.organizationId).toBe(r.body.id);
  });
});

describe('audit log', () => {
  it('records admin actions with who, what and when, never a secret, for the organization only', async () => {
    const ch = await hub.request('POST', '/api/channels', { token: adminB, body: { kind: 'telegram', name: 'TG B', credentials: { botToken: '123456:AAE-super-secret-bot-token', secretToken: 'tg-webhook-secret-1' } } });
    expect(ch.status).toBe(201);
    await hub.request('PATCH', `/api/channels/${ch.body.id}`, { token: adminB, body: { credentials: { botToken: '123456:AAE-rotated-secret-token' } } });
    await hub.request('DELETE', `/api/channels/${ch.body.id}`, { token: adminB });
    const log = await hub.request('GET', '/api/audit-log', { token: adminB });
    expect(log.status).toBe(200);
    const actions = log.body.items.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining([
      'organization.create', 'user.create', 'user.update', 'invite.create', 'invite.revoke', 'invite.accept',
      'channel.create', 'channel.credentials_update', 'channel.delete',
    ]));
    const created = log.body.items.find((e: any) => e.action === 'channel.create');
    expect(created).toMatchObject({ actorId: adminBId, actorEmail: 'admin@b.test', targetType: 'channel', targetId: ch.body.id, details: { kind: 'telegram', credentialFields: ['botToken', 'secretToken'] } });
    expect(Date.now() - Date.parse(created.at)).toBeLessThan(60_000);
    const text = JSON.stringify(log.body);
    for (const secret of ['super-secret-bot-token', 'rotated-secret-token', 'tg-webhook-secret-1', 'b-admin-password', 'ines-own-password']) expect(text).not.toContain(secret);
    // Newest first.
    expect(actions.indexOf('channel.delete')).toBeLessThan(actions.indexOf('channel.create'));
    // Org A's log has its own actions and none of org B's.
    const ownerLog = await hub.request('GET', '/api/audit-log', { token: owner });
    expect(ownerLog.body.items.some((e: any) => e.action === 'user.password_change')).toBe(true);
    expect(ownerLog.body.items.some((e: any) => e.targetId === ch.body.id)).toBe(false);
  });

  it('pages with a cursor, answers 400 for a bad one, and is for admins only', async () => {
    const all = (await hub.request('GET', '/api/audit-log?limit=200', { token: adminB })).body.items;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await hub.request('GET', `/api/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: adminB });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((e: any) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e: any) => e.id));
    for (const bad of ['not-a-cursor', Buffer.from('["x",1]').toString('base64url')]) {
      const r = await hub.request('GET', `/api/audit-log?cursor=${bad}`, { token: adminB });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_cursor');
    }
    const agent = await addUser(adminB, 'nosy-agent@b.test');
    expect((await hub.request('GET', '/api/audit-log', { token: agent.token })).status).toBe(403);
  });
});
