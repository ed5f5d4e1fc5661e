/** A new user's first reply on demo data: sent from the browser, it reaches "read" and the demo contact answers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { launchBrowser, signIn, type TestBrowser } from './support/browser.js';

let hub: TestHub;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  hub = await startTestHub({ HUB_DEMO: '1' });
  tb = await launchBrowser();
  context = await tb.newContext();
  page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await tb?.close();
  await hub?.close();
});

describe('demo data', () => {
  it('the first reply reaches "read" and the contact answers', async () => {
    await signIn(page, hub.url!, ADMIN.email, ADMIN.password);
    await page.locator('[data-testid="conversation-item"]', { hasText: 'Ana Souza' }).click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}/);
    const composer = page.getByTestId('composer');
    await composer.fill('Hi Ana! Delivery to São Paulo takes 3 days.');
    await page.getByTestId('send-button').click();
    const mine = page.locator('[data-testid="message-bubble"][data-sender="agent"]', { hasText: 'takes 3 days' });
    await mine.waitFor({ timeout: 5000 });
    await page.waitForSelector('[data-testid="message-bubble"][data-sender="agent"][data-status="read"]:has-text("takes 3 days")', { timeout: 15_000 });
    const answer = page.locator('[data-testid="message-bubble"][data-sender="prospect"]', { hasText: 'demo contact' });
    await answer.waitFor({ timeout: 10_000 });
    expect(await mine.getAttribute('data-status')).toBe('read');
    expect(await page.getByTestId('composer-error').count()).toBe(0);
  });
});
