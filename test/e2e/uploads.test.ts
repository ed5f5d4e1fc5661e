/**
 * Polyglot and mislabeled files in a real Chromium: opened from the hub's origin (as a page, in a
 * frame, as an image, as a script), none of them runs a line of script. A control page with the
 * same payload, served without the hub's protections, shows the detector works.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ADMIN, startTestHub, type TestHub } from '../support/hub.js';
import { GIF_POLYGLOT, POLYGLOTS, html, type Polyglot } from '../security/support/polyglots.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';

let hub: TestHub;
let token: string;
let tb: TestBrowser;
let context: BrowserContext;
let page: Page;
let control: Server;
let controlUrl: string;
/** Every sign of a payload running: console lines, titles, requests to /pwned. */
const signs: string[] = [];
const files: { name: string; url: string }[] = [];
let socketUrl: Promise<string>;
const cspViolations: string[] = [];

async function upload(p: Polyglot) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(p.body)], { type: p.claimed }), p.name);
  const res = await fetch(`${hub.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

beforeAll(async () => {
  hub = await startTestHub();
  token = await hub.login();
  for (const p of [...POLYGLOTS, GIF_POLYGLOT]) files.push({ name: p.name, url: `${hub.url}${(await upload(p)).url}` });
  // A row stored by an older hub, with the stacked type and HTML bytes as they were then.
  const legacy = await upload({ name: 'legacy.png', claimed: 'image/png', body: Buffer.from(html('legacy')) });
  await hub.deps.orm.em.getConnection().execute("update attachments set mime_type = 'image/png,text/html' where id = ?", [legacy.id]);
  files.push({ name: 'legacy.png', url: `${hub.url}${legacy.url}` });

  control = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html('control')));
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}/`;

  tb = await launchBrowser();
  context = await tb.newContext({ acceptDownloads: true });
  context.on('request', (req) => req.url().includes('/pwned/') && signs.push(`request ${req.url()}`));
  context.on('console', (msg) => msg.text().includes('PWNED') && signs.push(`console ${msg.text()}`));
  page = await context.newPage();
  page.on('console', (msg) => /Content Security Policy/i.test(msg.text()) && cspViolations.push(msg.text()));
  socketUrl = page.waitForEvent('websocket', { timeout: 20_000 }).then((ws) => ws.url());
  // Logged in, as the admin of the original finding: the app keeps the session in localStorage.
  await page.goto(`${hub.url}/login`);
  await page.getByTestId('login-email').fill(ADMIN.email);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/chat/);
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await tb?.close();
  await hub?.close();
  await new Promise((r) => control?.close(r));
});

describe('the app under its CSP', () => {
  it('runs and reaches its own Socket.IO over WebSocket, with no policy violation', async () => {
    await page.waitForSelector('[data-testid="conversation-list"]');
    expect(await socketUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${new URL(hub.url!).port}/socket\\.io/`));
    expect(cspViolations).toEqual([]);
  });
});

describe('uploaded files in the browser', () => {
  it('the detector sees a payload that runs (control page without the hub’s protections)', async () => {
    const p = await context.newPage();
    await p.goto(controlUrl);
    await settle();
    expect(await p.title()).toBe('PWNED:control');
    expect(signs.some((s) => s.includes('PWNED:control'))).toBe(true);
    await p.close();
    signs.length = 0;
  });

  it('opened as a page from the hub’s origin, no file runs script', async () => {
    for (const f of files) {
      const p = await context.newPage();
      // Downloads abort the navigation; an inline type (the GIF) renders as an image.
      await p.goto(f.url).catch(() => undefined);
      await settle();
      expect(await p.title().catch(() => ''), f.name).not.toMatch(/PWNED/);
      await p.close();
    }
    expect(signs).toEqual([]);
  });

  it('embedded in the app as a frame, an image, an object and a script, no file runs script', async () => {
    await page.evaluate((urls) => {
      for (const url of urls) {
        const frame = document.createElement('iframe');
        frame.src = url;
        document.body.append(frame);
        const img = document.createElement('img');
        img.src = url;
        document.body.append(img);
        const object = document.createElement('object');
        object.data = url;
        document.body.append(object);
        // script-src 'self' would allow /media: nosniff refuses anything not served as JavaScript.
        const script = document.createElement('script');
        script.src = url;
        document.body.append(script);
      }
    }, files.map((f) => f.url));
    await settle();
    await settle();
    expect(signs).toEqual([]);
    // The session is where it was, untouched.
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBeGreaterThan(0);
    expect(await page.title()).not.toMatch(/PWNED/);
  });
});
