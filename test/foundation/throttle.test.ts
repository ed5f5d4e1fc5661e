import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { hashWork } from '../../src/security/password.js';

let hub: TestHub; // the default 10 attempts per account in 15 minutes (the address limit raised: every test request comes from 127.0.0.1)
let proxied: TestHub; // behind a trusted proxy: the address is the last X-Forwarded-For entry
let owner: string;

beforeAll(async () => {
  hub = await startTestHub({ ROLE: 'api', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '1000' });
  proxied = await startTestHub({ ROLE: 'api', TRUST_PROXY: '1', LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '20', LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '1000' });
  owner = await hub.login();
});
afterAll(async () => {
  await proxied?.close();
  await hub?.close();
});

const login = (h: TestHub, email: string, password: string, from?: string) =>
  h.request('POST', '/api/auth/login', { body: { email, password }, headers: from ? { 'x-forwarded-for': from } : {} });

describe('sign-in throttling', () => {
  it('stops guessing one account: past the limit even the right password gets 429 with Retry-After and a JSON error', async () => {
    await hub.request('POST', '/api/users', { token: owner, body: { email: 'victim@a.test', password: 'victim-password-1', name: 'V' } });
    // Concurrent guesses are counted atomically: the limit's worth get an answer, then none.
    const guess = (i: number) => login(hub, 'victim@a.test', `guess-number-${i}`);
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => guess(i)));
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(401));
    const more = await Promise.all(Array.from({ length: 290 }, (_, i) => guess(i + 10)));
    expect(more.map((r) => r.status)).toEqual(Array(290).fill(429));
    const right = await fetch(`${hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'victim@a.test', password: 'victim-password-1' }) });
    expect(right.status).toBe(429);
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await right.json()).toEqual({ error: { code: 'too_many_requests', message: 'Too many sign-in attempts; try again later' } });
    // Another account from the same address is not locked out by it.
    expect((await login(hub, ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it("keeps its counts in Redis under the hub's QUEUE_PREFIX", async () => {
    const keys = await hub.deps.redis.keys(`${hub.config.queuePrefix}:login-*`);
    expect(keys).toEqual(expect.arrayContaining([`${hub.config.queuePrefix}:login-account:victim@a.test`, `${hub.config.queuePrefix}:login-address:127.0.0.1`]));
  });

  it('a successful sign-in clears the account count, so a user who mistypes is never locked out', async () => {
    await hub.request('POST', '/api/users', { token: owner, body: { email: 'typo@a.test', password: 'typo-password-1', name: 'T' } });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) expect((await login(hub, 'typo@a.test', `typo-password-${i + 2}`)).status).toBe(401);
      expect((await login(hub, 'typo@a.test', 'typo-password-1')).status).toBe(200);
    }
  });

  it('limits one address across accounts; another address still signs in', async () => {
    const from = '127.0.0.21';
    for (let i = 0; i < 20; i++) expect((await login(proxied, `nobody-${i}@a.test`, 'wrong-password', from)).status).toBe(401);
    expect((await login(proxied, 'nobody-21@a.test', 'wrong-password', from)).status).toBe(429);
    expect((await login(proxied, ADMIN.email, ADMIN.password, from)).status).toBe(429);
    // A forged first entry does not help: the proxy's own (last) entry counts.
    expect((await login(proxied, ADMIN.email, ADMIN.password, `127.0.0.99, ${from}`)).status).toBe(429);
    expect((await login(proxied, ADMIN.email, ADMIN.password, '127.0.0.22')).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless the hub is told it is behind a proxy', async () => {
    const keysBefore = await hub.deps.redis.keys(`${hub.config.queuePrefix}:login-address:*`);
    await login(hub, 'spoofer@a.test', 'wrong-password', '127.0.0.55');
    expect(await hub.deps.redis.keys(`${hub.config.queuePrefix}:login-address:*`)).toEqual(keysBefore);
  });

  it('bounds scrypt work: a flood of sign-ins never hashes more than two at a time, and the excess is refused at once with 503', async () => {
    let maxRunning = 0;
    const watch = setInterval(() => (maxRunning = Math.max(maxRunning, hashWork.stats.running)), 1);
    const flood = await Promise.all(
      Array.from({ length: 400 }, (_, i) => login(proxied, `flood-${i}@a.test`, 'wrong-password', `127.0.${Math.floor(i / 200) + 1}.${(i % 200) + 1}`)),
    );
    clearInterval(watch);
    const statuses = new Map<number, number>();
    for (const r of flood) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect([...statuses.keys()].sort()).toEqual([401, 503]);
    const busy = flood.find((r) => r.status === 503)!;
    expect(busy.body).toEqual({ error: { code: 'busy', message: 'The hub is busy; try again in a moment' } });
    expect(maxRunning).toBeGreaterThan(0);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(hashWork.stats).toEqual({ running: 0, waiting: 0 });
    expect((await login(proxied, ADMIN.email, ADMIN.password, '127.0.3.1')).status).toBe(200);
  });
});
