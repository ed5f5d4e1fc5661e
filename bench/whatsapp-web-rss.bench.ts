/**
 * `npm run bench:wa-web-rss`: the memory of one idle WhatsApp Web session's browser, launched as
 * the connector launches it (whatsapp-web.js's Puppeteer, the same Chromium and small-footprint
 * flags), with and without those flags. Offline, web.whatsapp.com cannot load: the page is a
 * local one on 127.0.0.1, so this is the browser's floor, without WhatsApp Web's own app.
 * RSS sums every process of the browser (shared pages counted in each); PSS shares them out.
 * Prints each figure, then one JSON line.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { SMALL_FOOTPRINT_ARGS } from '../connectors/whatsapp-web/runtime.js';
import { findBrowser } from '../src/infra/browser.js';

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const require = createRequire(new URL('../node_modules/whatsapp-web.js/package.json', import.meta.url));
const puppeteer = require('puppeteer') as typeof import('puppeteer');

/** The browser process and every descendant, from /proc. */
function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

function memoryMb(pids: number[]) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return { rssMb: Math.round(rss / 1024), pssMb: Math.round(pss / 1024), processes: pids.length };
}

async function measure(executablePath: string, env: Record<string, string>, args: string[], url: string) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'wa-rss-'));
  const browser = await puppeteer.launch({ executablePath, headless: true, userDataDir, args, env: { ...process.env, ...env } as Record<string, string> });
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await page.goto(url);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return memoryMb(tree(browser.process()!.pid!));
  } finally {
    await browser.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

async function main() {
  const server = createServer((_req, res) => res.end('<!doctype html><title>idle</title><div id=app>idle</div><script>setInterval(()=>{},1000)</script>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const browser = await findBrowser(join(process.cwd(), 'node_modules/.cache/hub-bench'));
  // Besides the flags, all traffic goes to a refused loopback proxy: nothing leaves the machine.
  const offline = ['--proxy-server=127.0.0.1:9'];
  try {
    const small = await measure(browser.executablePath, browser.env, [...SMALL_FOOTPRINT_ARGS, ...offline], url);
    const plain = await measure(browser.executablePath, browser.env, ['--no-sandbox', '--disable-gpu', ...offline], url);
    console.log(`browser: ${browser.source}; idle ${IDLE_MS} ms`);
    console.log(`small-footprint flags: RSS ${small.rssMb} MB, PSS ${small.pssMb} MB in ${small.processes} processes`);
    console.log(`defaults:              RSS ${plain.rssMb} MB, PSS ${plain.pssMb} MB in ${plain.processes} processes`);
    console.log(JSON.stringify({ bench: 'whatsapp-web-rss', browser: browser.source, idleMs: IDLE_MS, small, plain }));
  } finally {
    server.close();
  }
}

await main();
