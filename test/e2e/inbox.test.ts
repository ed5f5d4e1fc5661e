/**
 * The agents' browser app end to end: a real hub (Postgres, Redis, workers), Debian's
 * chromium, a local Graph API double, signed WhatsApp webhooks.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { signBody } from '../../connectors/meta/signature.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = 'e2e-app-secret-5f1c0a';
const ACCESS_TOKEN = 'EAAG-e2e-access-token-9b7d';
const CUSTOMER = { waId: '16505551234', name: 'Kerry Fisher' };
/** Small enough to test the "too large" chip cheaply; only uploads use this limit. */
const UPLOAD_LIMIT = 64 * 1024;
/** A 2x2 red PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');

let hub: TestHub;
/** While set, the hub turns socket connections away (the reconnect test). */
let refuseSockets = false;
let token: string;
let graph: GraphDouble;
/** The hub serves the app at `/`. */
let origin: { url: string };
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;
let channelId: string;
let conversationId: string;
let outCount = 0;
const failedOnce = new Set<string>();

const rand = () => randomBytes(4).toString('hex');

function waValue(extra: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, ...extra } }] }],
  };
}

async function postWebhook(payload: unknown) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${hub.url}/webhooks/${channelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, APP_SECRET) },
    body: raw,
  });
  expect(res.status).toBe(200);
}

/** A customer writes on WhatsApp. */
async function inbound(text: string, from = CUSTOMER) {
  await postWebhook(
    waValue({
      contacts: [{ profile: { name: from.name }, wa_id: from.waId }],
      messages: [{ from: from.waId, id: `wamid.IN.${rand()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
    }),
  );
}

async function status(wamid: string, s: 'sent' | 'delivered' | 'read') {
  await postWebhook(waValue({ statuses: [{ id: wamid, status: s, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: CUSTOMER.waId }] }));
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bubble = (text: string) => page.locator('[data-testid="message-bubble"]', { hasText: text });

async function login(p: Page) {
  await p.goto(`${origin.url}/login`);
  await p.getByTestId('login-email').fill(ADMIN.email);
  await p.getByTestId('login-password').fill(ADMIN.password);
  await p.getByTestId('login-submit').click();
  await p.waitForURL(/\/chat/);
}

describe('browser app', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    graph = await new GraphDouble().start();
    graph.reset((req) => {
      // A permanent Graph error for the first attempt at a message marked FAIL-ONCE.
      if (req.body.includes('FAIL-ONCE') && !failedOnce.has(req.body)) {
        failedOnce.add(req.body);
        return { status: 400, body: { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'AbC' } } };
      }
      if (req.method === 'POST' && req.path.endsWith(`/${PHONE_NUMBER_ID}/messages`)) return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: CUSTOMER.waId, wa_id: CUSTOMER.waId }], messages: [{ id: `wamid.OUT.${++outCount}` }] } };
      return { status: 404, body: { error: { message: 'no route', code: 803 } } };
    });
    hub = await startTestHub({ UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT) });
    token = await hub.login();
    origin = { url: hub.url! };
    const ch = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'whatsapp_cloud', name: 'Support WhatsApp', credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, apiBaseUrl: graph.url } },
    });
    expect(ch.status).toBe(201);
    channelId = ch.body.id;
    hub.io!.use((_socket, next) => (refuseSockets ? next(new Error('refused by the test')) : next()));
    tb = await launchBrowser();
    context = await tb.newContext();
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
    page.on('console', (msg) => msg.type() === 'error' && console.error('[console]', msg.text()));
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
    await graph?.stop();
  });

  it('logs in, and the session survives a reload', async () => {
    await page.goto(`${origin.url}/chat`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/wrong/i);
    await login(page);
    await page.reload();
    await page.waitForSelector('[data-testid="conversation-list"]');
    expect(new URL(page.url()).pathname).toBe('/chat');
  });

  it('shows an inbound WhatsApp message in the list and in the open thread within a second, without reload', async () => {
    const first = `Hello, do you ship to Lisbon? ${rand()}`;
    await inbound(first);
    const item = page.locator('[data-testid="conversation-item"]', { hasText: CUSTOMER.name });
    await item.waitFor({ timeout: 5000 });
    await expect(item.textContent()).resolves.toContain(first.slice(0, 20));
    await item.click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}/);
    conversationId = new URL(page.url()).pathname.split('/').pop()!;
    await bubble(first).waitFor();

    const second = `Also, do you deliver on weekends? ${rand()}`;
    const t0 = Date.now();
    await inbound(second);
    await bubble(second).waitFor({ timeout: 1000 + 500 });
    expect(Date.now() - t0).toBeLessThan(1500);
    await page.locator('[data-testid="conversation-item"]', { hasText: second.slice(0, 20) }).waitFor({ timeout: 1000 });
  });

  it('sends a reply to the Graph API; its ticks move from sent to delivered', async () => {
    const text = `Yes, we ship to Lisbon in 2 days ${rand()}`;
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');
    const mine = bubble(text);
    await mine.waitFor();
    const req = await waitFor(() => graph.requests.find((r) => r.body.includes(text)), 5000, 'the Graph API call');
    expect(req.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(JSON.parse(req.body)).toMatchObject({ messaging_product: 'whatsapp', to: CUSTOMER.waId, type: 'text', text: { body: text } });
    await mine.locator('[data-testid="ticks"][data-status="sent"]').waitFor({ timeout: 5000 });
    const wamid = `wamid.OUT.${outCount}`;
    await status(wamid, 'delivered');
    await mine.locator('[data-testid="ticks"][data-status="delivered"]').waitFor({ timeout: 3000 });
    // One bubble: the optimistic one was replaced by the server's, not duplicated.
    await expect(mine.count()).resolves.toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}inbox-three-panels.png` });
  });

  it('attaches an image: uploaded at once, sent with a caption, shown inline, delivered as a WhatsApp image', async () => {
    const caption = `Here is the map to our shop ${rand()}`;
    await page.getByTestId('attach-button').waitFor();
    await expect(page.getByTestId('attach-button').getAttribute('aria-label')).resolves.toBe('Attach a file');
    await page.getByTestId('attach-input').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: PNG });
    const chip = page.locator('[data-testid="attachment-chip"]', { hasText: 'map.png' });
    await chip.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 5000 });
    await page.getByTestId('composer').fill(caption);
    await page.getByTestId('composer').press('Enter');
    await expect(page.getByTestId('attachment-chip').count()).resolves.toBe(0);

    const mine = bubble(caption);
    await mine.waitFor();
    // The server's message replaces the optimistic bubble (file chip) and shows the image itself.
    const img = mine.locator('img[alt="map.png"]');
    await img.waitFor({ timeout: 5000 });
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle(), { timeout: 5000 });
    await expect(img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).resolves.toBeGreaterThan(0);
    await expect(mine.count()).resolves.toBe(1);

    const req = await waitFor(() => graph.requests.find((r) => r.body.includes(caption)), 8000, 'the Graph API image call');
    const sent = JSON.parse(req.body);
    expect(req.method).toBe('POST');
    expect(sent).toMatchObject({ messaging_product: 'whatsapp', to: CUSTOMER.waId, type: 'image', image: { caption } });
    const link = new URL(sent.image.link, hub.url).toString();
    const fetched = await fetch(link);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG)).toBe(true);
    await mine.locator('[data-testid="ticks"][data-status="sent"]').waitFor({ timeout: 5000 });
  });

  it('shows a file past the upload limit as an error chip and sends nothing', async () => {
    const before = graph.requests.length;
    const messagesBefore = await page.locator('[data-testid="message-bubble"]').count();
    await page.getByTestId('attach-input').setInputFiles({ name: 'huge-scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(UPLOAD_LIMIT * 3, 7) });
    const chip = page.locator('[data-testid="attachment-chip"][data-state="error"]', { hasText: 'huge-scan.pdf' });
    await chip.waitFor({ timeout: 5000 });
    await expect(chip.getByTestId('attachment-error').textContent()).resolves.toMatch(/too large/i);
    // Nothing to send: Enter and the Send button do nothing.
    await expect(page.getByTestId('send-button').isDisabled()).resolves.toBe(true);
    await page.getByTestId('composer').press('Enter');
    await page.waitForTimeout(300);
    await expect(page.locator('[data-testid="message-bubble"]').count()).resolves.toBe(messagesBefore);
    expect(graph.requests.length).toBe(before);
    await page.screenshot({ path: `${ARTIFACTS}composer-attachment-error.png` });
    // The chip can be removed with its × button.
    await chip.getByRole('button', { name: 'Remove huge-scan.pdf' }).click();
    await expect(page.getByTestId('attachment-chip').count()).resolves.toBe(0);
  });

  it('attaches files dropped on the thread or pasted into the reply', async () => {
    await page.getByTestId('thread').evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped notes'], 'notes.txt', { type: 'text/plain' }));
      for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await page.locator('[data-testid="attachment-chip"][data-state="ready"]', { hasText: 'notes.txt' }).waitFor({ timeout: 5000 });
    await expect(page.getByTestId('drop-overlay').count()).resolves.toBe(0);
    await page.getByTestId('composer').evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
    }, PNG.toString('base64'));
    await page.locator('[data-testid="attachment-chip"][data-state="ready"]', { hasText: /pasted-.*\.png/ }).waitFor({ timeout: 5000 });
    while (await page.getByTestId('attachment-remove').count()) await page.getByTestId('attachment-remove').first().click({ timeout: 3000 });
    await expect(page.getByTestId('attachment-chip').count()).resolves.toBe(0);
  });

  it('turns the bot on; the next inbound message gets a bot reply on screen', async () => {
    // The rules bot greets on a prospect's first message and answers keyword prompts after that.
    for (const body of [{ kind: 'greeting', response: 'Hi! How can we help?', enabled: true }, { kind: 'keyword', keyword: 'opening hours', response: 'Hi! How can we help? We are open 9 to 6.', enabled: true }]) {
      const p = await hub.request('POST', '/api/bot/prompts', { token, body });
      expect([200, 201]).toContain(p.status);
    }
    const toggle = page.getByTestId('bot-toggle');
    if (!(await toggle.isChecked())) await toggle.check();
    await waitFor(async () => (await hub.request('GET', `/api/conversations/${conversationId}`, { token })).body?.botEnabled === true, 5000, 'botEnabled');
    const ask = `What are your opening hours on Saturday? ${rand()}`;
    await inbound(ask);
    await bubble(ask).waitFor({ timeout: 3000 });
    await page.locator('[data-testid="message-bubble"][data-sender="bot"]', { hasText: 'Hi! How can we help?' }).first().waitFor({ timeout: 8000 });
    await page.getByTestId('bot-toggle').uncheck();
  });

  it('converts the prospect into a client, then adds a note and a quote', async () => {
    if (!(await page.getByTestId('details-panel').isVisible())) await page.getByTestId('toggle-details').click();
    const form = page.getByTestId('convert-form');
    await form.waitFor();
    await expect(page.getByTestId('convert-first-name').inputValue()).resolves.toBe('Kerry');
    await expect(page.getByTestId('convert-last-name').inputValue()).resolves.toBe('Fisher');
    await expect(page.getByTestId('convert-phone').inputValue()).resolves.toContain('16505551234');
    await page.getByTestId('convert-email').fill('kerry@example.com');
    await page.getByTestId('convert-company').fill('Fisher & Co');
    await page.getByTestId('convert-submit').click();
    await page.getByTestId('client-badge').waitFor({ timeout: 5000 }).catch(async (err) => {
      const logged = hub.logs().split('\n').filter((l) => l.includes('"level":50')).slice(-2).join('\n');
      throw new Error(`${err}\nform error: ${await page.getByTestId('convert-error').textContent({ timeout: 500 }).catch(() => 'none')}\nhub errors: ${logged}`);
    });

    await page.getByTestId('note-input').fill('Prefers delivery in the morning');
    await page.getByTestId('note-add').click();
    await page.locator('[data-testid="note-item"]', { hasText: 'Prefers delivery in the morning' }).waitFor({ timeout: 5000 });

    await page.getByTestId('quote-title').fill('Spring collection order');
    await page.getByTestId('quote-amount').fill('1250');
    await page.getByTestId('quote-new-status').selectOption('accepted');
    await page.getByTestId('quote-add').click();
    await page.locator('[data-testid="quote-item"]', { hasText: 'Spring collection order' }).waitFor({ timeout: 5000 });
    await expect(page.getByTestId('total-value').textContent()).resolves.toMatch(/1[,.\s]?250/);
    // A quote in another currency is shown beside the first total, never added to it.
    await page.getByTestId('quote-title').fill('US licences');
    await page.getByTestId('quote-amount').fill('300');
    await page.getByTestId('quote-currency').fill('USD');
    await page.getByTestId('quote-new-status').selectOption('accepted');
    await page.getByTestId('quote-add').click();
    await page.locator('[data-testid="total-value-amount"]', { hasText: 'USD' }).waitFor({ timeout: 5000 });
    const totals = (await page.getByTestId('total-value-amount').textContent())!.replace(/\s+/g, ' ');
    expect(totals).toMatch(/^EUR ?1,250\.00 · USD ?300\.00$/);
    await page.screenshot({ path: `${ARTIFACTS}inbox-client-details.png` });
  });

  it('renders message text as text: an HTML payload does not execute', async () => {
    const evil = '<img src=x onerror=window.__xss=1>';
    await inbound(`${evil} see https://example.com/x?a=1`);
    const b = bubble(evil);
    await b.waitFor({ timeout: 5000 });
    await expect(b.locator('img').count()).resolves.toBe(0);
    await expect(b.locator('a[href="https://example.com/x?a=1"][rel="noopener noreferrer"][target="_blank"]').count()).resolves.toBe(1);
    await page.waitForTimeout(300);
    await expect(page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).resolves.toBeUndefined();
  });

  it('reconnects after the socket drops and loses no message sent meanwhile', async () => {
    const before = `Before the drop ${rand()}`;
    await inbound(before);
    await bubble(before).waitFor({ timeout: 3000 });

    // The hub drops the socket and turns reconnects away for a while. (Not the browser's offline
    // emulation: where the machine has no network but loopback, Chromium is "offline" already and
    // emulating it changes nothing, so the WebSocket would stay open.)
    refuseSockets = true;
    hub.io!.local.disconnectSockets(true);
    await page.getByTestId('reconnect-banner').waitFor({ timeout: 5000 });

    const during = [`While offline one ${rand()}`, `While offline two ${rand()}`];
    for (const t of during) await inbound(t);
    // Stored by the workers while the browser cannot hear about them.
    await waitFor(async () => {
      const r = await hub.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token });
      const text = JSON.stringify(r.body ?? '');
      return during.every((t) => text.includes(t));
    }, 8000, 'messages stored while offline').catch(() => new Promise((r) => setTimeout(r, 2000)));

    refuseSockets = false;
    await page.getByTestId('reconnect-banner').waitFor({ state: 'detached', timeout: 15_000 });
    for (const t of during) await bubble(t).waitFor({ timeout: 5000 });
    for (const t of [before, ...during]) await expect(bubble(t).count()).resolves.toBe(1);

    const after = `After the reconnect ${rand()}`;
    await inbound(after);
    await bubble(after).waitFor({ timeout: 3000 });
  });

  it('shows a failed send with its reason and retries it', async () => {
    const text = `FAIL-ONCE please confirm the address ${rand()}`;
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('send-button').click();
    const mine = bubble(text);
    const state = async () => `bubble: ${await mine.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-status')} ${e.getAttribute('data-id')}`).join(', '))}; graph calls: ${graph.requests.filter((r) => r.body.includes(text)).length}`;
    const step = async (what: string, p: Promise<unknown>) => p.catch(async (err) => { throw new Error(`${what}: ${err}\n${await state()}`); });
    await step('failed tick', mine.locator('[data-testid="ticks"][data-status="failed"]').waitFor({ timeout: 10_000 }));
    const row = page.locator('.bubble-row', { has: mine });
    await step('failure reason', expect(row.getByTestId('message-failed').textContent({ timeout: 3000 })).resolves.toMatch(/\S/));
    await step('retry click', row.getByTestId('retry-button').click({ timeout: 3000 }));
    await step('sent tick', mine.locator('[data-testid="ticks"][data-status="sent"]').waitFor({ timeout: 10_000 }));
    await expect(mine.count()).resolves.toBe(1);
  });

  it('moves through conversations with the keyboard and focuses the composer on Enter', async () => {
    await inbound(`Hi, it is Ana ${rand()}`, { waId: '351912345678', name: 'Ana Costa' });
    await page.locator('[data-testid="conversation-item"]', { hasText: 'Ana Costa' }).waitFor({ timeout: 3000 });
    await page.getByTestId('composer').press('Escape', { timeout: 3000 });
    const names = await page.getByTestId('conversation-name').allTextContents();
    const [down, up] = names.indexOf('Ana Costa') > names.indexOf(CUSTOMER.name) ? ['j', 'k'] : ['k', 'j'];
    await page.keyboard.press(down);
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    expect(focused).toBe('conversation-item');
    await page.keyboard.press('Enter');
    await page.getByTestId('thread-name').filter({ hasText: 'Ana Costa' }).waitFor({ timeout: 3000 });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer', undefined, { timeout: 3000 });
    await page.keyboard.press('Escape');
    await page.keyboard.press(up);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/chat/${conversationId}$`));
  });

  it('shows the closed 24-hour window and disables the composer', async () => {
    await hub.deps.orm.em.getConnection().execute(`update conversations set last_inbound_at = now() - interval '25 hours' where id = ?`, [conversationId]);
    await page.reload();
    await page.getByTestId('window-banner').waitFor({ timeout: 5000 });
    await expect(page.getByTestId('composer').isDisabled()).resolves.toBe(true);
    await hub.deps.orm.em.getConnection().execute(`update conversations set last_inbound_at = now() where id = ?`, [conversationId]);
  });

  it('lets an admin add a channel whose secret is never shown back', async () => {
    const secret = `123456:AAE-${rand()}-super-secret-bot-token`;
    await page.goto(`${origin.url}/admin/channels`);
    await page.locator('[data-testid="channel-item"]', { hasText: 'Support WhatsApp' }).waitFor();
    await page.getByTestId('add-channel').click();
    await page.getByTestId('kind-telegram').check({ force: true });
    await page.getByTestId('channel-name').fill('Telegram support');
    await page.getByTestId('channel-save').click();
    await page.getByTestId('field-error').first().waitFor(); // the bot token is required
    await page.getByTestId('cred-botToken').fill(secret);
    // A closed local port stands in for the Bot API: activation fails fast, and nothing leaves the machine.
    await page.getByTestId('cred-apiBaseUrl').fill('http://127.0.0.1:9');
    await page.getByTestId('channel-save').click();
    const item = page.locator('[data-testid="channel-item"]', { hasText: 'Telegram support' });
    await item.waitFor({ timeout: 5000 });
    await item.getByTestId('webhook-url').waitFor();
    expect(await page.content()).not.toContain(secret);
    await item.getByTestId('channel-edit').click();
    await expect(page.getByTestId('cred-botToken').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await item.waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.screenshot({ path: `${ARTIFACTS}admin-console.png`, fullPage: true });
  });

  it('shows a delivery the hub could not process in the admin console, and replays it after the fix', async () => {
    const q = (sql: string) => hub.deps.orm.em.getConnection().execute(sql);
    // A real database error for one message (as a bad row would raise), until the "fix" drops it.
    await q(`create function e2e_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by e2e trigger'; end $$`);
    await q(`create trigger e2e_refuse before insert on messages for each row when (new.content = 'Refused at first') execute function e2e_refuse()`);
    await inbound('Refused at first');
    await page.goto(`${origin.url}/admin/deliveries`);
    const row = page.locator('[data-testid="delivery-row"]', { hasText: 'Support WhatsApp' });
    await waitFor(async () => {
      await page.getByTestId('deliveries-refresh').click();
      return (await row.count()) > 0;
    }, 10_000, 'the failed delivery in the console');
    await expect(row.getByTestId('delivery-reason').textContent()).resolves.toMatch(/refused by e2e trigger/);
    await row.getByRole('button', { name: 'Payload' }).click();
    await expect(page.getByTestId('delivery-payload').textContent()).resolves.toContain('Refused at first');
    expect(await page.content()).not.toContain(ACCESS_TOKEN);
    await page.screenshot({ path: `${ARTIFACTS}admin-deliveries.png`, fullPage: true });

    await q('drop trigger e2e_refuse on messages');
    await row.getByTestId('delivery-replay').click();
    await page.getByTestId('deliveries-notice').waitFor();
    await expect(row.count()).resolves.toBe(0);
    await waitFor(async () => (await q("select count(*)::int as n from messages where content = 'Refused at first'"))[0].n === 1, 10_000, 'the replayed message');

    // The owner opens the queue board in a tab of its own (a short-lived cookie, not the app's token).
    // Loopback only, whatever the board's page links to.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (r) => r.abort());
    const [board] = await Promise.all([context.waitForEvent('page'), page.getByTestId('open-queues').click()]);
    await board.waitForLoadState();
    await expect(board.title()).resolves.toBe('Hub queues');
    await board.close();
  });

  it('collapses to one panel at a time on a narrow window', async () => {
    const narrow = await context.newPage();
    await narrow.setViewportSize({ width: 420, height: 820 });
    await narrow.goto(`${origin.url}/chat/${conversationId}`);
    await narrow.getByTestId('composer').waitFor();
    await expect(narrow.getByTestId('conversation-list').isVisible()).resolves.toBe(false);
    await narrow.getByTestId('back-to-list').click();
    await narrow.getByTestId('conversation-list').waitFor();
    await expect(narrow.getByTestId('composer').count()).resolves.toBe(0);
    await narrow.screenshot({ path: `${ARTIFACTS}inbox-narrow.png` });
    await narrow.close();
  });
});
