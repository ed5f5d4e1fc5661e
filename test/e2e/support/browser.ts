/** The Chromium found for this run (test/global-setup.ts) driven by playwright-core, with a fresh temporary profile per launch. */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { inject } from 'vitest';

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

export type TestBrowser = {
  browser: Browser;
  newContext(opts?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
};

export async function launchBrowser(): Promise<TestBrowser> {
  const { executablePath, env } = inject('browser');
  // A plain launch runs on a fresh temporary --user-data-dir that playwright removes on close.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...env } as Record<string, string>,
    timeout: 30_000,
  });
  return {
    browser,
    async newContext(opts = {}) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...opts });
      // An action that cannot happen fails naming its locator, well inside the test's own timeout.
      context.setDefaultTimeout(15_000);
      return context;
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Signs in through the login page and waits for the inbox. */
export async function signIn(page: import('playwright-core').Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/chat/);
}
