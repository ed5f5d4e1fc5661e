/**
 * Agents' tools in the browser: a search hit opens its conversation at the message (paging back
 * through history to reach it), and a canned response is inserted with `/`.
 * A real hub, Chromium, signed WhatsApp webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';
import { until } from '../support/agent.js';
import { launchBrowser, signIn, type TestBrowser } from './support/browser.js';

const CUSTOMER = { waId: '16505550101', name: 'Mira Kovač' };
/** More than one thread page (50): the hit is in history the thread has not loaded yet. */
const HISTORY = 70;

let hub: TestHub;
let token: string;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  hub = await startTestHub();
  token = await hub.login();
  const channel = await createWhatsAppChannel(hub, token);
  const start = Math.floor(Date.now() / 1000) - HISTORY * 60;
  for (let i = 0; i < HISTORY; i++) {
    const body = i === 0 ? 'Hello, Kovač here: my invoice 4711 is wrong' : `Message number ${i} about the weather`;
    const r = await postWebhook(hub, channel.id, textWebhook({ waId: CUSTOMER.waId, name: CUSTOMER.name, id: wamid(`e2e-${i}`), body, timestamp: start + i * 60 }));
    expect(r.status).toBe(200);
  }
  await until(() => hub.request('GET', '/api/conversations', { token }), (r) => r.body.items[0]?.lastMessage?.content === `Message number ${HISTORY - 1} about the weather`, 20_000);
  expect((await hub.request('POST', '/api/canned-responses', { token, body: { shortCode: 'thanks', content: 'Thanks {{contact.name}}, {{agent.name}} here: talk soon!' } })).status).toBe(201);
  expect((await hub.request('POST', '/api/canned-responses', { token, body: { shortCode: 'hours', content: 'We are open 9-5.' } })).status).toBe(201);

  tb = await launchBrowser();
  context = await tb.newContext();
  page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  await signIn(page, hub.url!, ADMIN.email, ADMIN.password);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await tb?.close();
  await hub?.close();
});

describe('agents tools in the browser', () => {
  it('a search hit opens the conversation scrolled to the message, its word marked as text', async () => {
    await page.getByTestId('conversation-search').fill('kovac');
    const hit = page.getByTestId('search-hit').first();
    await hit.waitFor({ timeout: 10_000 });
    expect(await hit.locator('mark').allTextContents()).toEqual(['Kovač']);
    const messageId = await hit.getAttribute('data-message-id');
    await hit.click();
    await page.waitForURL(new RegExp(`/chat/[0-9a-f-]{36}\\?message=${messageId}`));
    const target = page.locator(`[data-testid="message-bubble"][data-id="${messageId}"]`);
    await target.waitFor({ timeout: 10_000 });
    await page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`)?.getAttribute('data-search-target') === 'true', messageId, { timeout: 10_000 });
    expect(await target.textContent()).toContain('my invoice 4711 is wrong');
    // In view: inside the thread's scrolled area, not only somewhere in the page.
    const inView = await target.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const scroller = el.closest('.thread-scroll')!;
      const area = scroller.getBoundingClientRect();
      return { visible: box.bottom > area.top && box.top < area.bottom, scrolledUp: scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 100 };
    });
    expect(inView).toEqual({ visible: true, scrolledUp: true });
    await page.getByTestId('conversation-search').fill('');
  });

  it('typing / in the composer offers canned responses, filtered, and Enter inserts one with its variables filled', async () => {
    const composer = page.getByTestId('composer');
    await composer.click();
    await composer.fill('');
    await composer.pressSequentially('/');
    await page.getByTestId('canned-menu').waitFor({ timeout: 5000 });
    expect(await page.getByTestId('canned-option').count()).toBe(2);
    await composer.pressSequentially('tha');
    await until(async () => page.getByTestId('canned-option').count(), (n) => n === 1, 5000);
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe(`Thanks ${CUSTOMER.name}, ${await adminName()} here: talk soon!`);
    expect(await page.getByTestId('canned-menu').count()).toBe(0);
    // Nothing was sent: Enter chose the response instead.
    expect(await page.locator('[data-testid="message-bubble"][data-sender="agent"]').count()).toBe(0);
  });
});

async function adminName() {
  const me = await hub.request('GET', '/api/users', { token });
  return me.body.find((u: any) => u.email === ADMIN.email).name as string;
}
