/**
 * The website live chat end to end: a real hub (Postgres, Redis, workers), Chromium, a
 * business's page served from another local origin embedding the snippet, a visitor and an
 * agent (the inbox, a second browser context) talking live.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const rand = () => randomBytes(3).toString('hex');
/** A 2x2 red PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');

let hub: TestHub;
let tb: TestBrowser;
let site: { server: Server; origin: string };
let stranger: { server: Server; origin: string };
let snippet = '';
let agentContext: BrowserContext;
let agent: Page;
let visitorContext: BrowserContext;
let visitor: Page;
const contexts: BrowserContext[] = [];

/** A business's site: its page embeds the snippet (`/signed-in` also vouches for a customer, badly). */
async function serveSite(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const identity = req.url?.startsWith('/signed-in')
      ? `<script>window.hubChatSettings = { identifier: 'cust-9', identifierHash: '${'0'.repeat(64)}', name: 'Mallory' };</script>`
      : '';
    const dir = req.url?.startsWith('/rtl') ? 'rtl' : 'ltr';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="${dir === 'rtl' ? 'ar' : 'en'}" dir="${dir}"><head><title>Shop</title></head><body style="font-family:sans-serif;background:#fafaf9">
      <meta name="viewport" content="width=device-width, initial-scale=1"><h1>Jackets</h1><p>The blue jacket, in every size.</p>${identity}${snippet}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const chat = (p: Page): FrameLocator => p.frameLocator('#hub-chat iframe');
const launcher = (p: Page) => p.locator('#hub-chat button');
const widgetMessage = (p: Page, text: string) => chat(p).locator('[data-testid="widget-message"]', { hasText: text });
const bubble = (text: string) => agent.locator('[data-testid="message-bubble"]', { hasText: text });

async function openWidget(p: Page) {
  await p.goto(`${site.origin}/`);
  await launcher(p).click();
  await chat(p).getByTestId('widget-input').waitFor();
  // The session is up once the composer can send.
  await p.waitForFunction(() => {
    const frame = document.querySelector('#hub-chat')?.shadowRoot?.querySelector('iframe');
    return !!frame;
  });
}

async function visitorWrites(p: Page, text: string) {
  await chat(p).getByTestId('widget-input').fill(text);
  await chat(p).getByTestId('widget-input').press('Enter');
  await widgetMessage(p, text).locator('.meta', { hasText: 'Sent' }).waitFor({ timeout: 8000 });
}

async function agentReplies(text: string) {
  await agent.getByTestId('composer').fill(text);
  await agent.getByTestId('composer').press('Enter');
  await bubble(text).waitFor();
}

async function agentOpens(text: string) {
  const item = agent.locator('[data-testid="conversation-item"]', { hasText: text.slice(0, 20) });
  await item.waitFor({ timeout: 5000 });
  await item.click();
  await bubble(text).waitFor({ timeout: 5000 });
}

describe('website live chat in the browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    hub = await startTestHub();
    site = await serveSite();
    stranger = await serveSite();
    const token = await hub.login();
    const ch = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'web_chat', name: 'Shop chat', credentials: { allowedOrigins: [site.origin], welcomeMessage: 'Hi! Ask us anything about our jackets.', title: 'Jacket Shop' } },
    });
    expect(ch.status).toBe(201);
    snippet = ch.body.embedSnippet;
    const prompt = await hub.request('POST', '/api/bot/prompts', { token, body: { kind: 'keyword', keyword: 'Shipping times', response: 'We ship in 2 days.', channelId: ch.body.id } });
    expect(prompt.status).toBe(201);

    tb = await launchBrowser();
    agentContext = await tb.newContext();
    agent = await agentContext.newPage();
    await agent.goto(`${hub.url}/login`);
    await agent.getByTestId('login-email').fill(ADMIN.email);
    await agent.getByTestId('login-password').fill(ADMIN.password);
    await agent.getByTestId('login-submit').click();
    await agent.waitForURL(/\/chat/);
    visitorContext = await tb.newContext({ viewport: { width: 1280, height: 800 } });
    visitor = await visitorContext.newPage();
    for (const p of [agent, visitor]) p.on('pageerror', (err) => console.error('[page error]', err));
  }, 90_000);

  afterAll(async () => {
    for (const c of [...contexts, visitorContext, agentContext]) await c?.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
    for (const s of [site, stranger]) s?.server.close();
  });

  it('a visitor writes from the site, the agent sees it live and replies; the visitor sees the reply and the agent sees it read', async () => {
    const sessions: string[] = [];
    visitor.on('request', (r) => r.url().endsWith('/widget/v1/sessions') && sessions.push(r.url()));
    await visitor.goto(`${site.origin}/`);
    await launcher(visitor).waitFor();
    await expect(launcher(visitor).getAttribute('aria-expanded')).resolves.toBe('false');
    // A page view creates no visitor: the session starts when the chat is opened.
    await chat(visitor).locator('#title').filter({ hasText: 'Jacket Shop' }).waitFor({ state: 'attached' });
    expect(sessions).toEqual([]);
    await visitor.screenshot({ path: `${ARTIFACTS}widget-closed.png` });
    await launcher(visitor).click();
    await chat(visitor).getByText('Hi! Ask us anything about our jackets.').waitFor();
    await chat(visitor).getByTestId('widget-prompt').filter({ hasText: 'Shipping times' }).waitFor();
    await chat(visitor).getByTestId('widget-online').waitFor();

    const text = `Is the blue jacket in stock in size M? ${rand()}`;
    await chat(visitor).getByTestId('widget-input').fill(text);
    const sentAt = Date.now();
    await chat(visitor).getByTestId('widget-input').press('Enter');
    const item = agent.locator('[data-testid="conversation-item"]', { hasText: text.slice(0, 20) });
    await item.waitFor({ timeout: 3000 });
    const latency = Date.now() - sentAt;
    console.log(`visitor-to-agent latency (widget Enter -> inbox list): ${latency} ms`);
    expect(latency).toBeLessThan(3000);
    await item.click();
    await bubble(text).waitFor();
    await agent.getByTestId('visitor-page').filter({ hasText: `${site.origin}/` }).waitFor();

    // Typing both ways.
    await chat(visitor).getByTestId('widget-input').pressSequentially('Also');
    await agent.getByTestId('typing-indicator').waitFor({ timeout: 5000 });
    await chat(visitor).getByTestId('widget-input').fill('');
    await agent.getByTestId('composer').pressSequentially('Let me check');
    await chat(visitor).getByTestId('widget-typing').filter({ hasText: /typing/ }).waitFor({ timeout: 5000 });

    const reply = `Yes, size M is in stock ${rand()}`;
    await agent.getByTestId('composer').fill(reply);
    await agent.getByTestId('composer').press('Enter');
    await widgetMessage(visitor, reply).waitFor({ timeout: 5000 });
    await bubble(reply).locator('[data-testid="ticks"][data-status="read"]').waitFor({ timeout: 5000 });
    await visitor.screenshot({ path: `${ARTIFACTS}widget-open.png` });
  }, 60_000);

  it('continues the conversation after a reload', async () => {
    await visitor.reload();
    await launcher(visitor).click();
    await chat(visitor).locator('[data-testid="widget-message"][data-sender="agent"]', { hasText: 'Yes, size M is in stock' }).waitFor({ timeout: 5000 });
    await expect(chat(visitor).locator('[data-testid="widget-message"][data-sender="prospect"]').count()).resolves.toBe(1);
    const more = `And in red? ${rand()}`;
    await visitorWrites(visitor, more);
    await bubble(more).waitFor({ timeout: 5000 });
  });

  it('sends files both ways: a visitor image shown inline to the agent, an agent file offered to the visitor as a download', async () => {
    await chat(visitor).getByTestId('widget-file').setInputFiles({ name: 'jacket.png', mimeType: 'image/png', buffer: PNG });
    const img = chat(visitor).locator('[data-testid="widget-message"][data-sender="prospect"] img[alt="jacket.png"]');
    await img.waitFor({ timeout: 8000 });
    await agent.locator('[data-testid="message-bubble"] img[alt="jacket.png"]').waitFor({ timeout: 8000 });
    const token = await hub.login();
    const form = new FormData();
    form.append('file', new Blob(['Size chart: S 46, M 50, L 54'], { type: 'text/plain' }), 'sizes.txt');
    const up = await fetch(`${hub.url}/api/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    const conversationId = new URL(agent.url()).pathname.split('/').pop();
    const sent = await hub.request('POST', `/api/conversations/${conversationId}/messages`, { token, body: { content: 'Our size chart', attachmentIds: [up.id] } });
    expect(sent.status).toBe(201);
    const link = widgetMessage(visitor, 'Our size chart').locator('a[download="sizes.txt"]');
    await link.waitFor({ timeout: 8000 });
    const href = await link.getAttribute('href');
    const file = await fetch(new URL(href!, hub.deps.publicUrl));
    expect(file.headers.get('content-disposition')).toMatch(/^attachment/);
    await expect(file.text()).resolves.toBe('Size chart: S 46, M 50, L 54');
  });

  it('sits on the left and reads right to left on a right-to-left page', async () => {
    const ctx = await tb.newContext();
    contexts.push(ctx);
    const p = await ctx.newPage();
    await p.goto(`${site.origin}/rtl`);
    await launcher(p).click();
    await chat(p).getByTestId('widget-input').waitFor();
    expect((await launcher(p).boundingBox())!.x).toBeLessThan(100);
    await expect(chat(p).locator('html').getAttribute('dir')).resolves.toBe('rtl');
  });

  it('shows nothing on a page of an origin the channel does not allow', async () => {
    const ctx = await tb.newContext();
    contexts.push(ctx);
    const p = await ctx.newPage();
    const config = p.waitForResponse((r) => r.url().includes('/widget/v1/config'));
    await p.goto(`${stranger.origin}/`);
    expect((await config).status()).toBe(403);
    await p.waitForTimeout(500);
    await expect(p.locator('#hub-chat').count()).resolves.toBe(0);
    // Nor can it frame the chat itself, nor start a session from there.
    const status = await p.evaluate(async (body) => (await fetch(`${body.hub}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ websiteToken: body.token }) })).status, { hub: hub.deps.publicUrl, token: snippet.match(/data-website-token="([^"]+)"/)![1] }).catch(() => 'refused');
    expect(status === 403 || status === 'refused').toBe(true);
  });

  it('refuses a signed-in customer whose identifier hash is wrong', async () => {
    const ctx = await tb.newContext();
    contexts.push(ctx);
    const p = await ctx.newPage();
    const sessionAnswer = p.waitForResponse((r) => r.url().endsWith('/widget/v1/sessions'));
    await p.goto(`${site.origin}/signed-in`);
    await launcher(p).click();
    expect((await sessionAnswer).status()).toBe(401);
    await chat(p).getByTestId('widget-error').filter({ hasText: /sign in/i }).waitFor();
    await expect(chat(p).getByTestId('widget-composer').isHidden()).resolves.toBe(true);
  });

  it('falls back to REST polling both ways when WebSockets are blocked, and another visitor sees none of the first one', async () => {
    const ctx = await tb.newContext();
    contexts.push(ctx);
    await ctx.routeWebSocket(/.*/, (ws) => ws.close());
    const p = await ctx.newPage();
    await p.goto(`${site.origin}/`);
    await launcher(p).click();
    await chat(p).locator('main[data-transport="polling"]').waitFor({ timeout: 8000 });
    await expect(chat(p).locator('[data-testid="widget-message"]').count()).resolves.toBe(0);
    const text = `Writing without WebSockets ${rand()}`;
    await visitorWrites(p, text);
    await agentOpens(text);
    const reply = `Got it over polling ${rand()}`;
    await agentReplies(reply);
    await widgetMessage(p, reply).waitFor({ timeout: 8000 });
    await bubble(reply).locator('[data-testid="ticks"][data-status="read"]').waitFor({ timeout: 8000 });
    await expect(chat(p).getByText('Is the blue jacket').count()).resolves.toBe(0);
  });

  it('an admin creates the channel in the console, copies its snippet and sees a live preview', async () => {
    agent.setDefaultTimeout(8000);
    await agent.goto(`${hub.url}/admin/channels`);
    await agent.getByTestId('add-channel').click();
    await agent.locator('label.kind-option', { has: agent.getByTestId('kind-web_chat') }).click();
    await agent.getByTestId('channel-name').fill('Blog chat');
    await agent.getByTestId('cred-allowedOrigins').fill(`${site.origin}, https://blog.example.com`);
    await agent.getByTestId('cred-title').fill('Blog questions');
    await agent.getByTestId('channel-save').click();
    const item = agent.locator('[data-testid="channel-item"]', { hasText: 'Blog chat' });
    const shown = await item.getByTestId('embed-snippet').textContent();
    expect(shown).toMatch(new RegExp(`^<script src="${hub.deps.publicUrl}/widget\\.js" data-website-token="[0-9a-f]{32}[\\w-]{22}" async></script>$`));
    const [stored] = (await hub.request('GET', '/api/channels', { token: await hub.login() })).body.filter((c: any) => c.name === 'Blog chat');
    expect(stored.credentials.allowedOrigins).toEqual([site.origin, 'https://blog.example.com']);
    expect(stored.embedSnippet).toBe(shown);
    await item.getByTestId('widget-preview-toggle').click();
    await agent.frameLocator('[data-testid="widget-preview"]').getByRole('heading', { name: 'Blog questions' }).waitFor();
    await agent.frameLocator('[data-testid="widget-preview"]').getByTestId('widget-input').waitFor();
    await agent.screenshot({ path: `${ARTIFACTS}widget-admin-preview.png` });
  });

  it('works from the keyboard alone: Tab reaches the launcher, Enter opens it with the focus in the composer, Enter sends, Escape closes and gives the focus back', async () => {
    const ctx = await tb.newContext();
    contexts.push(ctx);
    const p = await ctx.newPage();
    await p.goto(`${site.origin}/`);
    await launcher(p).waitFor();
    await p.keyboard.press('Tab');
    const focusedInLoader = () => p.evaluate(() => document.querySelector('#hub-chat')?.shadowRoot?.activeElement?.getAttribute('aria-expanded') ?? null);
    await expect.poll(focusedInLoader).toBe('false');
    await p.keyboard.press('Enter');
    const input = chat(p).getByTestId('widget-input');
    await input.waitFor();
    await expect.poll(() => input.evaluate((el) => document.hasFocus() && document.activeElement === el), { timeout: 5000 }).toBe(true);
    const text = `Asked with the keyboard only ${rand()}`;
    await p.keyboard.type(text);
    await p.keyboard.press('Enter');
    await widgetMessage(p, text).locator('.meta', { hasText: 'Sent' }).waitFor({ timeout: 8000 });
    await p.keyboard.press('Escape');
    await expect.poll(focusedInLoader, { timeout: 5000 }).toBe('false');
  });

  it('fits a phone', async () => {
    const ctx = await tb.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    contexts.push(ctx);
    const p = await ctx.newPage();
    await p.goto(`${site.origin}/`);
    await launcher(p).click();
    await chat(p).getByTestId('widget-input').waitFor();
    const box = await p.locator('#hub-chat iframe').boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await p.screenshot({ path: `${ARTIFACTS}widget-phone.png` });
    // Keyboard: Escape closes and gives focus back to the launcher.
    await chat(p).getByTestId('widget-input').press('Escape');
    await expect.poll(() => launcher(p).getAttribute('aria-expanded'), { timeout: 5000 }).toBe('false');
  });
});
