/**
 * A WhatsApp template sent into a closed 24 h window from the browser: the banner offers the
 * business account's approved templates (Graph double), the agent fills the parameters, the
 * Graph API receives a template message, and the bubble reaches "sent".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { GraphDouble } from '../../connectors/meta/test-support.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { APP_SECRET, PHONE_NUMBER_ID, postWebhook, textWebhook, wamid } from '../support/whatsapp.js';

const WABA = '102290129340398';
const CUSTOMER = { waId: '16505559876', name: 'Nadia Kovač' };

let hub: TestHub;
let graph: GraphDouble;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;
let channelId: string;
let sent = 0;

describe('templates in the browser', () => {
  beforeAll(async () => {
    graph = await new GraphDouble().start();
    graph.reset((req) => {
      if (req.method === 'GET' && req.path.startsWith(`/v21.0/${WABA}/message_templates`)) {
        return { body: { data: [{ name: 'follow_up', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hi {{1}}, any news about {{2}}?' }] }] } };
      }
      if (req.method === 'POST') return { body: { messaging_product: 'whatsapp', messages: [{ id: `wamid.TPL.${++sent}` }] } };
      return { status: 404, body: { error: { message: 'no route', code: 803 } } };
    });
    hub = await startTestHub();
    const token = await hub.login();
    const ch = await hub.request('POST', '/api/channels', {
      token,
      body: { kind: 'whatsapp_cloud', name: 'Support WhatsApp', credentials: { phoneNumberId: PHONE_NUMBER_ID, businessAccountId: WABA, accessToken: 'EAAtest', appSecret: APP_SECRET, apiBaseUrl: graph.url } },
    });
    expect(ch.status, ch.text).toBe(201);
    channelId = ch.body.id;
    // The customer last wrote two days ago: the window is closed.
    const res = await postWebhook(hub, channelId, textWebhook({ waId: CUSTOMER.waId, name: CUSTOMER.name, id: wamid('tpl-e2e'), body: 'Is my refund done?', timestamp: Math.floor(Date.now() / 1000) - 2 * 86400 }));
    expect(res.status).toBe(200);
    tb = await launchBrowser();
    context = await tb.newContext();
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
    await graph?.stop();
  });

  it('the closed-window banner offers a template; sending it reaches the Graph API and "sent"', async () => {
    await page.goto(`${hub.url}/login`);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/chat/);
    await page.locator('[data-testid="conversation-item"]', { hasText: CUSTOMER.name }).click();
    await page.locator('[data-testid="message-bubble"]', { hasText: 'Is my refund done?' }).waitFor();

    const banner = page.getByTestId('window-banner');
    await banner.waitFor();
    await expect(page.getByTestId('composer').isDisabled()).resolves.toBe(true);
    await banner.getByTestId('choose-template').click();
    await page.getByTestId('template-select').selectOption({ label: 'follow_up (en_US)' });
    const params = page.getByTestId('template-param');
    await expect(params.count()).resolves.toBe(2);
    await expect(page.getByTestId('send-template').isDisabled()).resolves.toBe(true);
    await params.nth(0).fill('Nadia');
    await params.nth(1).fill('order 4521');
    await expect(page.getByTestId('template-preview').textContent()).resolves.toBe('Hi Nadia, any news about order 4521?');
    await page.getByTestId('send-template').click();

    const mine = page.locator('[data-testid="message-bubble"][data-sender="agent"]', { hasText: 'follow_up' });
    await mine.locator('[data-testid="ticks"][data-status="sent"]').waitFor({ timeout: 8000 });
    const post = graph.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
    expect(post).toEqual([{
      messaging_product: 'whatsapp', recipient_type: 'individual', to: CUSTOMER.waId, type: 'template',
      template: { name: 'follow_up', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Nadia' }, { type: 'text', text: 'order 4521' }] }] },
    }]);
    await expect(mine.count()).resolves.toBe(1);
  });
});
