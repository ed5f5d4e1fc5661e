/**
 * The admin console with a WhatsApp Web channel: the QR appears live while pairing, changes as
 * WhatsApp rotates it, and gives way to "Active" once the phone links (a stand-in Client; the
 * hub, sockets and browser app are real).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { configureWhatsAppWeb } from '../../connectors/whatsapp-web/index.js';
import { StandInWhatsApp } from '../../connectors/whatsapp-web/testing/stand-in-client.js';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

const wa = new StandInWhatsApp();
configureWhatsAppWeb({ createClient: wa.factory });

let hub: TestHub;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;

describe('whatsapp web in the admin console', () => {
  beforeAll(async () => {
    hub = await startTestHub();
    tb = await launchBrowser();
    context = await tb.newContext();
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[page error]', err));
    await page.goto(`${hub.url}/login`);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/chat/);
  }, 90_000);
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await tb?.close();
    await hub?.close();
  });

  it('shows the QR live, refreshes it on rotation, then the linked channel as active', async () => {
    await page.goto(`${hub.url}/admin/channels`);
    const token = await hub.login();
    const r = await hub.request('POST', '/api/channels', { token, body: { kind: 'whatsapp_web', name: 'Shop phone' } });
    expect(r.status).toBe(201);
    await page.reload();
    const item = page.locator(`[data-testid="channel-item"][data-id="${r.body.id}"]`);
    const qr = item.getByTestId('channel-qr');
    await qr.waitFor({ timeout: 20_000 });
    await expect.poll(() => item.getByTestId('channel-status').textContent()).toBe('Waiting for the phone');
    const first = await qr.getAttribute('src');
    expect(first).toMatch(/^data:image\/png;base64,/);
    wa.current.showLogin();
    await expect.poll(() => qr.getAttribute('src'), { timeout: 10_000 }).not.toBe(first);
    await wa.current.link();
    await expect.poll(() => item.getByTestId('channel-status').textContent(), { timeout: 10_000 }).toBe('Active');
    expect(await item.getByTestId('channel-pairing').count()).toBe(0);
    await item.getByTestId('channel-reconnect').waitFor();
  }, 60_000);
});
