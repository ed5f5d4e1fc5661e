/**
 * Agents' tools in the browser: a search hit opens its conversation at the message (paging back
 * through history to reach it), a canned response is inserted with `/`, and a sent message is
 * edited inline and deleted after a confirm dialog (Telegram), or said not to be (WhatsApp).
 * A real hub, Chromium, signed WhatsApp webhooks, the Graph and Bot API doubles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';
import { until } from '../support/agent.js';
import { launchBrowser, signIn, type TestBrowser } from './support/browser.js';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { startBotApiDouble } from '../../connectors/telegram/bot-api-double.js';
import { MARIA, textUpdate } from '../channels/support/telegram.js';

const CUSTOMER = { waId: '16505550101', name: 'Mira Kovač' };
/** More than one thread page (50): the hit is in history the thread has not loaded yet. */
const HISTORY = 70;
const TG_TOKEN = '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDedit';

let hub: TestHub;
let token: string;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;
let graph: GraphDouble;
let bot: Awaited<ReturnType<typeof startBotApiDouble>>;

beforeAll(async () => {
  graph = await new GraphDouble().start();
  let sent = 0;
  graph.reset((r) => (r.method === 'POST' ? { body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.e2e-out-${++sent}` }] } } : { status: 404, body: {} }));
  bot = await startBotApiDouble(TG_TOKEN);
  hub = await startTestHub();
  token = await hub.login();
  const channel = await createWhatsAppChannel(hub, token, { apiBaseUrl: graph.url });
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
  await graph?.stop();
  await bot?.close();
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

describe('editing and deleting a sent message in the browser', () => {
  const calls = (method: string) => bot.calls.filter((c) => c.method === method).map((c) => c.body);
  const isFocused = (l: ReturnType<Page['locator']>) => l.evaluate((el) => el === document.activeElement);

  /** Opens the conversation whose list entry shows `preview`, sends `text` and waits until the platform took it. */
  async function sendIn(preview: string, text: string) {
    await page.locator('[data-testid="conversation-item"]', { hasText: preview }).click();
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');
    const bubble = page.locator('[data-testid="message-bubble"][data-sender="agent"][data-status="sent"]', { hasText: text });
    await bubble.waitFor({ timeout: 10_000 });
    const id = await bubble.getAttribute('data-id');
    return page.locator('.bubble-row', { has: page.locator(`[data-id="${id}"]`) });
  }

  // Many steps in one browser session: more than the default 30 s on a loaded machine.
  it('Telegram: Edit opens the text in place, Escape cancels, Enter saves; Delete asks in a dialog first', async () => {
    const ch = await hub.request('POST', '/api/channels', { token, body: { kind: 'telegram', name: 'Acme bot', credentials: { botToken: TG_TOKEN, apiBaseUrl: bot.url } } });
    expect(ch.status, ch.text).toBe(201);
    const secret = bot.calls.filter((c) => c.method === 'setWebhook').at(-1)!.body.secret_token;
    const res = await fetch(`${hub.url}/webhooks/${ch.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(textUpdate(800001, 601, 'Can you fix my order?')) });
    expect(res.status).toBe(200);
    const row = await sendIn('Can you fix my order?', 'Typo herre');

    await row.hover();
    await row.getByTestId('edit-button').click();
    const input = row.getByTestId('edit-input');
    expect(await input.inputValue()).toBe('Typo herre');
    expect(await isFocused(input)).toBe(true);
    await input.fill('Something else entirely');
    await input.press('Escape');
    await input.waitFor({ state: 'detached' });
    expect(await row.getByTestId('message-bubble').textContent()).toContain('Typo herre');
    expect(calls('editMessageText')).toEqual([]);

    // By keyboard: the focus is back on Edit; Enter opens it, Enter saves.
    expect(await isFocused(row.getByTestId('edit-button'))).toBe(true);
    await page.keyboard.press('Enter');
    await input.fill('Typo here');
    await input.press('Enter');
    await row.getByTestId('bubble-edited').waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('message-bubble').textContent()).toContain('Typo here');
    await until(async () => calls('editMessageText'), (c) => c.length === 1, 5000);
    expect(calls('editMessageText')).toEqual([expect.objectContaining({ chat_id: String(MARIA.id), text: 'Typo here' })]);

    await row.hover();
    await row.getByTestId('delete-button').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.getByText('Delete this message for everyone?').waitFor({ timeout: 5000 });
    expect(await isFocused(page.getByTestId('confirm-cancel'))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 5000 });
    await page.waitForTimeout(300);
    expect(calls('deleteMessage')).toEqual([]);
    expect(await row.getByTestId('bubble-deleted').count()).toBe(0);

    await row.hover();
    await row.getByTestId('delete-button').click();
    await dialog.getByText('Delete this message for everyone?').waitFor({ timeout: 5000 });
    await page.keyboard.press('Tab');
    expect(await isFocused(page.getByTestId('confirm-ok'))).toBe(true);
    await page.keyboard.press('Enter');
    await row.getByTestId('bubble-deleted').waitFor({ timeout: 10_000 });
    expect(calls('deleteMessage')).toEqual([expect.objectContaining({ chat_id: String(MARIA.id) })]);
  }, 60_000);

  it('WhatsApp: no Edit or Delete on a sent message; the bubble says the platform does not allow it', async () => {
    const row = await sendIn(`Message number ${HISTORY - 1} about the weather`, 'See you tomorrow');
    await row.hover();
    await row.getByTestId('edit-unsupported').waitFor({ timeout: 5000 });
    expect(await row.getByTestId('edit-unsupported').textContent()).toBe("WhatsApp messages can't be edited or deleted once sent");
    expect(await row.getByTestId('edit-button').count()).toBe(0);
    expect(await row.getByTestId('delete-button').count()).toBe(0);
    // Reacting is possible on WhatsApp: offered.
    expect(await row.getByTestId('react-button').count()).toBe(1);
  });
});

describe('the admin console asks in the same dialog', () => {
  it('deleting a canned response: Cancel keeps it, Delete removes it', async () => {
    await page.goto(`${hub.url}/admin/canned`);
    const item = page.locator('[data-testid="canned-item"]', { hasText: '/hours' });
    await item.waitFor({ timeout: 10_000 });
    await item.getByRole('button', { name: 'Delete /hours' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.getByText('Delete /hours?').waitFor({ timeout: 5000 });
    await page.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'hidden', timeout: 5000 });
    expect((await hub.request('GET', '/api/canned-responses', { token })).body.map((r: any) => r.shortCode).sort()).toEqual(['hours', 'thanks']);

    await item.getByRole('button', { name: 'Delete /hours' }).click();
    await page.getByTestId('confirm-ok').click();
    await item.waitFor({ state: 'detached', timeout: 5000 });
    expect((await hub.request('GET', '/api/canned-responses', { token })).body.map((r: any) => r.shortCode)).toEqual(['thanks']);
  });
});

async function adminName() {
  const me = await hub.request('GET', '/api/users', { token });
  return me.body.find((u: any) => u.email === ADMIN.email).name as string;
}
