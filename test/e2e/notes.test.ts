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
    const token = await hub.login();
    expect((await hub.request('POST', '/api/users', { token, body: { ...NADIA, role: 'agent' } })).status).toBe(201);
    const channel = await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url });
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
});
