/**
 * Accounts in the browser app: an admin invites someone (the link is shown once), the invitee
 * joins through it, a user changes their own password (their other sessions end), and the
 * audit log lists what happened. A real hub and the test run's Chromium, as in inbox.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

let hub: TestHub;
let tb: TestBrowser;
let admin: BrowserContext;
let page: Page;

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${hub.url}/login`);
  await p.getByTestId('login-email').fill(email);
  await p.getByTestId('login-password').fill(password);
  await p.getByTestId('login-submit').click();
  await p.waitForURL(/\/chat/);
}

describe('accounts in the browser app', () => {
  beforeAll(async () => {
    hub = await startTestHub({ ROLE: 'api' });
    tb = await launchBrowser();
    admin = await tb.newContext();
    page = await admin.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
    await signIn(page, ADMIN.email, ADMIN.password);
  }, 90_000);

  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
  });

  it('an admin invites someone; the link is shown once; the invitee joins with their own password', async () => {
    await page.goto(`${hub.url}/admin/invites`);
    await page.getByTestId('invite-email').fill('nadia@team.test');
    await page.getByTestId('invite-name').fill('Nadia');
    await page.getByTestId('invite-save').click();
    const url = (await page.getByTestId('invite-url').textContent())!.trim();
    expect(url).toMatch(/\/invite#token=[\w-]{40,}$/);
    await page.waitForSelector('[data-testid="invite-row"]');
    await expect(page.getByTestId('invite-row').count()).resolves.toBe(1);
    // Shown once: after a reload the list has the invitation but not its link.
    await page.reload();
    await page.waitForSelector('[data-testid="invite-row"]');
    await expect(page.getByTestId('invite-url').count()).resolves.toBe(0);

    const guest = await tb.newContext();
    const g = await guest.newPage();
    await g.goto(url);
    await g.waitForSelector('[data-testid="invite-accept-password"]');
    expect(await g.getByTestId('invite-accept').textContent()).toContain('nadia@team.test');
    await g.getByTestId('invite-accept-password').fill('12345678');
    await g.getByTestId('invite-accept-confirm').fill('12345678');
    await g.getByTestId('invite-accept-submit').click();
    await expect(g.getByTestId('invite-accept-error').textContent()).resolves.toMatch(/10 characters/);
    await g.getByTestId('invite-accept-password').fill('qwertyuiop');
    await g.getByTestId('invite-accept-confirm').fill('qwertyuiop');
    await g.getByTestId('invite-accept-submit').click();
    await expect(g.getByTestId('invite-accept-error').textContent()).resolves.toMatch(/common/);
    await g.getByTestId('invite-accept-password').fill('nadia-chose-this-one');
    await g.getByTestId('invite-accept-confirm').fill('nadia-chose-this-one');
    await g.getByTestId('invite-accept-submit').click();
    await g.waitForURL(/\/chat/);
    expect(new URL(g.url()).hash).toBe('');
    // The link is used up.
    await g.goto(url);
    await g.waitForSelector('[data-testid="invite-invalid"]');
    await guest.close();
    await signIn(await (await tb.newContext()).newPage(), 'nadia@team.test', 'nadia-chose-this-one');
  });

  it('changing one’s own password signs out the other sessions', async () => {
    const other = await tb.newContext();
    const o = await other.newPage();
    await signIn(o, ADMIN.email, ADMIN.password);

    await page.goto(`${hub.url}/admin/account`);
    await page.getByTestId('password-current').fill('not-the-password');
    await page.getByTestId('password-new').fill('owner-new-password-2');
    await page.getByTestId('password-confirm').fill('owner-new-password-2');
    await page.getByTestId('password-save').click();
    await expect(page.getByTestId('password-error').textContent()).resolves.toMatch(/current password/i);
    await page.getByTestId('password-current').fill(ADMIN.password);
    await page.getByTestId('password-save').click();
    await page.waitForSelector('[data-testid="password-done"]');

    // This tab goes on with its new token; the other one is sent to sign in.
    await page.goto(`${hub.url}/admin/users`);
    await page.waitForSelector('[data-testid="user-row"]');
    await o.reload();
    await o.waitForURL(/\/login/);
    await signIn(o, ADMIN.email, 'owner-new-password-2');
    await other.close();
  });

  it('the audit log tab lists what the admins did', async () => {
    await page.goto(`${hub.url}/admin/audit`);
    await page.waitForSelector('[data-testid="audit-row"]');
    const text = await page.locator('[data-testid="audit-row"]').allTextContents();
    expect(text.join('\n')).toMatch(/Invited someone/);
    expect(text.join('\n')).toMatch(/Accepted an invitation/);
    expect(text.join('\n')).toMatch(/Changed their password/);
    expect(text.join('\n')).not.toContain('owner-new-password-2');
  });

  it('asks which organization when one email and password open accounts in several', async () => {
    const owner = await hub.login(ADMIN.email, 'owner-new-password-2');
    const org = await hub.request('POST', '/api/organizations', { token: owner, body: { name: 'Second Shop', admin: { email: 'both@shops.test', password: 'same-password-both' } } });
    expect(org.status).toBe(201);
    expect((await hub.request('POST', '/api/users', { token: owner, body: { email: 'both@shops.test', password: 'same-password-both', name: 'Both' } })).status).toBe(201);
    const ctx = await tb.newContext();
    const p = await ctx.newPage();
    await p.goto(`${hub.url}/login`);
    await p.getByTestId('login-email').fill('both@shops.test');
    await p.getByTestId('login-password').fill('same-password-both');
    await p.getByTestId('login-submit').click();
    await p.waitForSelector('[data-testid="login-organization"]');
    await p.getByTestId('login-organization').selectOption({ label: 'Second Shop' });
    await p.getByTestId('login-submit').click();
    await p.waitForURL(/\/chat/);
    const me = await p.evaluate(() => fetch('/api/me', { headers: { authorization: `Bearer ${localStorage.getItem('hub.token')}` } }).then((r) => r.json()));
    expect(me.organizationId).toBe(org.body.id);
    await ctx.close();
  });
});
