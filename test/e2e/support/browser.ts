/** Debian's chromium driven by playwright-core, with a fresh temporary profile per launch. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const hasChromium = () => existsSync(CHROMIUM);

export type TestBrowser = {
  browser: Browser;
  newContext(opts?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
};

export async function launchBrowser(): Promise<TestBrowser> {
  // A plain launch runs on a fresh temporary --user-data-dir that playwright removes on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  return {
    browser,
    newContext: (opts = {}) => browser.newContext({ viewport: { width: 1440, height: 900 }, ...opts }),
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
