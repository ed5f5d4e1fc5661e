/**
 * `npm run bench:widget`: the website widget's weight, how soon it is usable, and how fast
 * messages cross between a visitor and an agent. The hub runs as its own process (both roles) on
 * the machine's Postgres and Redis; a business page is served from another local origin and
 * opened in Chromium. Prints each figure, then one JSON line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';
import { freePort } from '../src/infra/free-port.js';
import { findBrowser } from '../test/support/services.js';
import { cleanupsOnInterrupt, connectAgent, createBenchDatabase, percentile, randomId, round, runCleanups, startHubProcess } from './lib.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 40);
const DIST = fileURLToPath(new URL('../dist/widget/', import.meta.url));
const log = (...a: unknown[]) => console.log(...a);

/** What a first visit downloads: the loader, the frame's page, its script and style. */
function widgetSize() {
  const files = ['loader.js', 'index.html', ...readdirSync(`${DIST}assets`).map((f) => `assets/${f}`)];
  const sizes = files.map((f) => {
    const data = readFileSync(DIST + f);
    return { file: f, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
  });
  return { files: sizes, totalGzipKb: round(sizes.reduce((n, s) => n + s.gzip, 0) / 1024), loaderGzipKb: round(sizes[0]!.gzip / 1024) };
}

async function main() {
  const size = widgetSize();
  log(`widget size: ${size.totalGzipKb} KB gzipped in all (loader ${size.loaderGzipKb} KB): ${size.files.map((f) => `${f.file} ${round(f.gzip / 1024)} KB`).join(', ')}`);

  const benchDb = await createBenchDatabase();
  const cleanups = cleanupsOnInterrupt(() => benchDb.drop());
  const prefix = `bench-${randomId()}`;
  cleanups.push(async () => {
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });
  const port = await freePort();
  const hub = await startHubProcess({
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATABASE_URL: benchDb.url, REDIS_URL,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'bench-secret-key-0123456789abcdef01234567',
    HUB_ADMIN_EMAIL: 'bench@hub.test', HUB_ADMIN_PASSWORD: 'bench-password', HUB_DEMO: '0', LOG_LEVEL: 'warn', QUEUE_PREFIX: prefix,
    DATA_DIR: `/tmp/hub-bench-${randomId()}`, WIDGET_MESSAGES_PER_MINUTE: '100000', WIDGET_SESSIONS_PER_MINUTE: '100000', WIDGET_REQUESTS_PER_MINUTE: '100000',
  });
  cleanups.push(() => hub.stop());
  let snippet = '';
  const site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><meta name="viewport" content="width=device-width"><h1>Shop</h1>${snippet}`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => site.close());
  const siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const browserInfo = await findBrowser();
  const browser = await chromium.launch({ executablePath: browserInfo.executablePath, env: { ...process.env, ...browserInfo.env } as Record<string, string>, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  cleanups.push(() => browser.close());
  try {
    const login = await fetch(`${hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@hub.test', password: 'bench-password' }) });
    const { token } = (await login.json()) as { token: string };
    const ch = await (await fetch(`${hub.url}/api/channels`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ kind: 'web_chat', name: 'Bench chat', credentials: { allowedOrigins: [siteOrigin] } }),
    })).json() as { embedSnippet: string; websiteToken: string };
    snippet = ch.embedSnippet;

    // Time to interactive, each run a first visit (a fresh browser profile): the launcher on the
    // page, then, after a click, the chat ready to send (session and live connection up).
    const launcherMs: number[] = [];
    const readyMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(siteOrigin);
      await page.locator('#hub-chat button').waitFor();
      launcherMs.push(await page.evaluate(() => performance.now()));
      const clicked = await page.evaluate(() => performance.now());
      await page.locator('#hub-chat button').click();
      await page.frameLocator('#hub-chat iframe').locator('main[data-transport="websocket"]').waitFor({ timeout: 15_000 });
      readyMs.push((await page.evaluate(() => performance.now())) - clicked);
      await ctx.close();
    }
    log(`time to interactive (${RUNS} first visits): launcher shown p50 ${round(percentile(launcherMs, 50))} ms after navigation; chat ready p50 ${round(percentile(readyMs, 50))} ms after the click`);

    // Visitor -> agent: a visitor's POST until the agent's socket hears of the message.
    // Agent -> visitor: an agent's reply until the visitor's widget socket has it.
    const agent = await connectAgent(hub.url, token);
    const session = await (await fetch(`${hub.url}/widget/v1/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: siteOrigin }, body: JSON.stringify({ websiteToken: ch.websiteToken }),
    })).json() as { visitorToken: string };
    const visitor = io(`${hub.url}/widget`, { auth: { visitorToken: session.visitorToken }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => (visitor.once('connect', () => resolve()), visitor.once('connect_error', reject)));
    const seen = new Map<string, number>();
    agent.on('conversation_updated', (c: any) => {
      for (const v of Array.isArray(c) ? c : [c]) if (v.lastMessage?.content && !seen.has(v.lastMessage.content)) seen.set(v.lastMessage.content, performance.now());
    });
    const toVisitor = new Map<string, number>();
    visitor.on('new_message', (m: any, ack: (ok: boolean) => void) => (ack(true), toVisitor.set(m.content, performance.now())));
    const up: number[] = [];
    const down: number[] = [];
    let conversationId = '';
    const until = async (ok: () => boolean) => {
      const end = Date.now() + 10_000;
      while (!ok()) {
        if (Date.now() > end) throw new Error('a message did not arrive within 10 s');
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    for (let i = 0; i < MESSAGES; i++) {
      const text = `visitor message ${i} ${randomId()}`;
      const t = performance.now();
      const res = await fetch(`${hub.url}/widget/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session.visitorToken}`, origin: siteOrigin },
        body: JSON.stringify({ content: text, clientMessageId: randomId() }),
      });
      conversationId = ((await res.json()) as { conversationId: string }).conversationId;
      await until(() => seen.has(text));
      up.push(seen.get(text)! - t);
      const reply = `agent reply ${i} ${randomId()}`;
      const r = performance.now();
      await fetch(`${hub.url}/api/conversations/${conversationId}/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ content: reply }),
      });
      await until(() => toVisitor.has(reply));
      down.push(toVisitor.get(reply)! - r);
    }
    agent.disconnect();
    visitor.disconnect();
    log(`visitor -> agent (${MESSAGES}): p50 ${round(percentile(up, 50))} ms, p95 ${round(percentile(up, 95))} ms, max ${round(Math.max(...up))} ms`);
    log(`agent -> visitor (${MESSAGES}): p50 ${round(percentile(down, 50))} ms, p95 ${round(percentile(down, 95))} ms, max ${round(Math.max(...down))} ms`);
    log(JSON.stringify({
      widgetGzipKb: size.totalGzipKb, loaderGzipKb: size.loaderGzipKb,
      launcherShownP50Ms: round(percentile(launcherMs, 50)), chatReadyAfterClickP50Ms: round(percentile(readyMs, 50)),
      visitorToAgentP50Ms: round(percentile(up, 50)), visitorToAgentP95Ms: round(percentile(up, 95)),
      agentToVisitorP50Ms: round(percentile(down, 50)), agentToVisitorP95Ms: round(percentile(down, 95)),
    }));
  } finally {
    await runCleanups(cleanups);
  }
}

await main();
