import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';

let hub: TestHub;
beforeAll(async () => { hub = await startTestHub({ ROLE: 'api' }); });
afterAll(async () => { await hub?.close(); });

describe('login and tokens', () => {
  it('logs in with the bootstrap owner and returns a token and the user', async () => {
    const r = await hub.request('POST', '/api/auth/login', { body: ADMIN });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(r.body.user).toMatchObject({ email: ADMIN.email, role: 'owner' });
    expect(r.body.user.passwordHash).toBeUndefined();
    const me = await hub.request('GET', '/api/me', { token: r.body.token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(ADMIN.email);
  });

  it('refuses a wrong password and an unknown email with the same 401', async () => {
    const wrong = await hub.request('POST', '/api/auth/login', { body: { email: ADMIN.email, password: 'nope-nope' } });
    const unknown = await hub.request('POST', '/api/auth/login', { body: { email: 'ghost@hub.test', password: 'nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it('answers a malformed login body with 400 and a JSON error', async () => {
    const r = await hub.request('POST', '/api/auth/login', { body: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBeTypeOf('string');
    const v = await hub.request('POST', '/api/auth/login', { body: { email: 'not-an-email', password: 'x' } });
    expect(v.status).toBe(400);
    expect(v.body.error.code).toBe('validation_error');
  });

  it('refuses expired, forged and missing tokens', async () => {
    const good = await hub.login();
    const claims = await hub.deps.tokens.verify(good);
    const expired = await new SignJWT({ org: claims.orgId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(hub.config.jwtSecret));
    const forged = await new SignJWT({ org: claims.orgId, role: 'owner' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('someone-elses-secret-0123456789abcdef'));
    const [h, p] = good.split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    for (const token of [expired, forged, unsigned, `${h}.${p}.AAAA`]) {
      const r = await hub.request('GET', '/api/me', { token });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
    expect((await hub.request('GET', '/api/me')).status).toBe(401);
  });

  it('never logs the password or the token', async () => {
    const token = await hub.login();
    await hub.request('POST', '/api/auth/login', { body: { email: ADMIN.email, password: 'wrong-password-xyz' } });
    expect(hub.logs()).not.toContain(ADMIN.password);
    expect(hub.logs()).not.toContain('wrong-password-xyz');
    expect(hub.logs()).not.toContain(token);
  });
});
