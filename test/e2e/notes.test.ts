/**
 * A private note with an @mention in the browser app: one agent writes it, the mentioned
 * agent's bell counts it live (no reload), the tab title carries the unread total, and the
 * note never reaches the platform. A real hub, the run's Chromium, the Graph API double.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

const NADIA = { email: 'nadia@team.test', password: 'nadia-password-1', name: 'Nadia Costa' };
let hub: TestHub;
let graph: GraphDouble;
let tb: TestBrowser;
const contexts: BrowserContext[] = [];
let writer: Page;
let nadia: Page;
let conversationId: string;
let channelId: string;
let adminToken: string;

async function signIn(email: string, password: string): Promise<Page> {
  const context = await tb.newContext();
  contexts.push(context);
  const p = await context.newPage();
  p.on('pageerror', (err) => console.error('[page error]', err));
  await p.goto(`${hub.url}/login`);
  await p.getByTestId('login-email').fill(email);
  await p.getByTestId('login-password').fill(password);
  await p.getByTestId('login-submit').click();
  await p.waitForURL(/\/chat/);
  return p;
}

const bellCount = async (p: Page) => Number((await p.getByTestId('notification-count').textContent({ timeout: 5000 }))?.trim());

describe('private notes and mentions in the browser app', () => {
  beforeAll(async () => {
    graph = await new GraphDouble().start();
    graph.reset((r) => (r.method === 'POST' ? { body: { messaging_product: 'whatsapp', contacts: [{ input: '16505550000', wa_id: '16505550000' }], messages: [{ id: `wamid.OUT.${randomBytes(4).toString('hex')}` }] } } : { status: 404, body: {} }));
    hub = await startTestHub();
    const token = (adminToken = await hub.login());
    expect((await hub.request('POST', '/api/users', { token, body: { ...NADIA, role: 'agent' } })).status).toBe(201);
    const channel = await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url });
    channelId = channel.id;
    expect((await postWebhook(hub, channel.id, textWebhook({ waId: '16505550000', name: 'Kerry Fisher', id: wamid('e2e-note-1'), body: 'Where is my order?' }))).status).toBe(200);
    tb = await launchBrowser();
    [writer, nadia] = await Promise.all([signIn(ADMIN.email, ADMIN.password), signIn(NADIA.email, NADIA.password)]);
  }, 90_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
    await graph?.stop();
  });

  it("a note mentioning an agent reaches that agent's bell live, never the platform", async () => {
    // Nadia was told of the new conversation before she signed in: her bell counts it.
    await nadia.getByTestId('notification-count').waitFor({ timeout: 5000 });
    const before = await bellCount(nadia);
    expect(before).toBeGreaterThanOrEqual(1);
    await expect(nadia.title()).resolves.toMatch(new RegExp(`^\\(${before}\\) `));

    const item = writer.locator('[data-testid="conversation-item"]', { hasText: 'Kerry Fisher' });
    await item.click();
    await writer.waitForURL(/\/chat\/[0-9a-f-]{36}/);
    conversationId = new URL(writer.url()).pathname.split('/').pop()!;

    await writer.getByTestId('note-toggle').click();
    const composer = writer.getByTestId('composer');
    await composer.pressSequentially('Please call her back @Nad');
    const option = writer.locator('[data-testid="mention-option"]', { hasText: NADIA.name });
    await option.waitFor({ timeout: 5000 });
    await composer.press('Enter');
    await expect(composer.inputValue()).resolves.toBe(`Please call her back @${NADIA.name} `);
    await composer.pressSequentially('today, she is a VIP');
    await composer.press('Enter');

    const note = writer.locator('[data-testid="message-bubble"][data-private="true"]', { hasText: 'she is a VIP' });
    await note.waitFor({ timeout: 5000 });
    // The server's note replaced the optimistic one, and it shows no delivery ticks.
    await writer.waitForFunction(() => !document.querySelector('[data-testid="message-bubble"][data-id^="local:"]'), undefined, { timeout: 5000 });
    await expect(note.locator('[data-testid="ticks"]').count()).resolves.toBe(0);

    // Nadia's bell goes up by one without a reload, and so does her tab title.
    await nadia.waitForFunction((n) => document.querySelector('[data-testid="notification-count"]')?.textContent?.trim() === String(n), before + 1, { timeout: 5000 });
    await expect(nadia.title()).resolves.toMatch(new RegExp(`^\\(${before + 1}\\) `));
    await nadia.getByTestId('notification-bell').click();
    const mention = nadia.locator('[data-testid="notification-item"][data-type="mention"]');
    await mention.waitFor({ timeout: 5000 });
    await expect(mention.textContent()).resolves.toContain('she is a VIP');
    await mention.click();
    await nadia.waitForURL(new RegExp(`/chat/${conversationId}$`));
    await nadia.locator('[data-testid="message-bubble"][data-private="true"]', { hasText: 'she is a VIP' }).waitFor({ timeout: 5000 });
    await nadia.waitForFunction((n) => document.querySelector('[data-testid="notification-count"]')?.textContent?.trim() === String(n), before, { timeout: 5000 });

    // The writer was not notified of their own note, and the platform never heard of it.
    const mine = (await hub.request('GET', '/api/notifications', { token: await hub.login() })).body.items;
    expect(mine.filter((n: any) => n.type === 'mention')).toHaveLength(0);
    expect(graph.requests.filter((r) => r.body.includes('VIP'))).toHaveLength(0);
  });

  it('marks messages that arrive while scrolled up, and lays out right-to-left text right to left', async () => {
    await writer.goto(`${hub.url}/chat/${conversationId}`);
    for (let i = 0; i < 25; i++) {
      await postWebhook(hub, channelId, textWebhook({ waId: '16505550000', name: 'Kerry Fisher', id: wamid(`e2e-scroll-${i}`), body: `Line ${i} of a long story` }));
    }
    await writer.locator('[data-testid="message-bubble"]', { hasText: 'Line 24 of a long story' }).waitFor({ timeout: 8000 });
    await writer.locator('.thread-scroll').evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await expect(writer.getByTestId('new-messages-marker').count()).resolves.toBe(0);
    await postWebhook(hub, channelId, textWebhook({ waId: '16505550000', name: 'Kerry Fisher', id: wamid('e2e-rtl'), body: 'مرحبا، أين طلبي؟' }));
    const marker = writer.getByTestId('new-messages-marker');
    await marker.waitFor({ timeout: 5000 });
    await expect(marker.textContent()).resolves.toContain('1 new message');
    await marker.click();
    await expect(marker.count()).resolves.toBe(0);
    const rtl = writer.locator('[data-testid="message-bubble"]', { hasText: 'مرحبا' }).locator('.bubble-text');
    await expect(rtl.evaluate((el) => getComputedStyle(el).direction)).resolves.toBe('rtl');
    const ltr = writer.locator('[data-testid="message-bubble"]', { hasText: 'Line 24 of a long story' }).locator('.bubble-text');
    await expect(ltr.evaluate((el) => getComputedStyle(el).direction)).resolves.toBe('ltr');
  });

  it('reaches the list with Tab, shows the shortcuts on ?, and an in-app 404 page', async () => {
    await writer.goto(`${hub.url}/chat`);
    await writer.getByTestId('conversation-item').first().waitFor();
    await writer.getByTestId('filter-mine').focus();
    await writer.keyboard.press('Tab');
    await expect(writer.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('conversation-item');
    await writer.keyboard.press('?');
    await writer.getByTestId('shortcuts-overlay').waitFor({ timeout: 3000 });
    await writer.keyboard.press('Escape');
    await expect(writer.getByTestId('shortcuts-overlay').count()).resolves.toBe(0);
    await writer.goto(`${hub.url}/admin/no-such-tab`);
    await writer.getByTestId('not-found').waitFor({ timeout: 5000 });
    expect(new URL(writer.url()).pathname).toBe('/admin/no-such-tab');
  });

  it('lists a new agent for assignment without a reload', async () => {
    await writer.goto(`${hub.url}/chat/${conversationId}`);
    await writer.getByTestId('assign-select').waitFor();
    expect((await hub.request('POST', '/api/users', { token: adminToken, body: { email: 'omar@team.test', password: 'omar-password-1', name: 'Omar Haddad', role: 'agent' } })).status).toBe(201);
    await writer.getByTestId('assign-select').focus();
    await writer.locator('[data-testid="assign-select"] option', { hasText: 'Omar Haddad' }).waitFor({ state: 'attached', timeout: 5000 });
  });

  it('says the hub is unreachable when its health check stops answering, and clears when it answers again', async () => {
    await writer.goto(`${hub.url}/chat`);
    await writer.getByTestId('conversation-list').waitFor();
    // The browser's requests to /healthz go unanswered; the socket stays open meanwhile.
    await writer.route('**/healthz', (route) => route.abort('timedout'));
    await writer.getByTestId('unreachable-banner').waitFor({ timeout: 15_000 });
    await writer.unroute('**/healthz');
    await writer.getByTestId('unreachable-banner').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('on a phone: no side rail, and the thread header on one line', async () => {
    const context = await tb.newContext({ viewport: { width: 390, height: 844 } });
    contexts.push(context);
    const phone = await context.newPage();
    await phone.goto(`${hub.url}/login`);
    await phone.getByTestId('login-email').fill(ADMIN.email);
    await phone.getByTestId('login-password').fill(ADMIN.password);
    await phone.getByTestId('login-submit').click();
    await phone.waitForURL(/\/chat/);
    await phone.goto(`${hub.url}/chat/${conversationId}`);
    await phone.getByTestId('thread-name').waitFor();
    const rail = await phone.locator('nav.rail').boundingBox();
    expect(rail!.width).toBe(390);
    expect(rail!.height).toBeLessThanOrEqual(56);
    const header = await phone.locator('.thread-header').boundingBox();
    expect(header!.height).toBeLessThanOrEqual(56);
    expect(header!.width).toBeLessThanOrEqual(390);
    const main = await phone.locator('.app-main').boundingBox();
    expect(main!.x).toBe(0);
  });
});
