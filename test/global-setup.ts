/**
 * Once per `npm test`: finds or starts the services every test file shares (each file still
 * makes its own database and queue prefix) and says which ones this run used.
 */
import type { TestProject } from 'vitest/node';
import { createLogger } from '../src/logger.js';
import { imapServerKind } from '../connectors/email/testing/imap-server.js';
import { findBrowser, findOrStartPostgres, findOrStartRedis, type BrowserInfo, type Service } from './support/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    redisUrl: string;
    browser: BrowserInfo;
  }
}

export default async function setup(project: TestProject) {
  const log = createLogger('warn');
  const started: Service[] = [];
  const stopAll = async () => {
    await Promise.all(started.splice(0).map((s) => s.stop().catch(() => undefined)));
  };
  // An interrupted run (Ctrl-C, a CI timeout) still stops what it started.
  const onSignal = (signal: NodeJS.Signals) => void stopAll().finally(() => process.kill(process.pid, signal));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const services = await Promise.allSettled([findOrStartPostgres(log), findOrStartRedis(log)]);
    for (const s of services) if (s.status === 'fulfilled') started.push(s.value);
    for (const s of services) if (s.status === 'rejected') throw s.reason;
    const [postgres, redis] = started as [Service, Service];
    const browser = await findBrowser();
    // CI insists on the real servers it installs: a fallback there is a failure, not a quiet swap.
    if (process.env.TEST_REQUIRE_SYSTEM_CHROMIUM === '1' && browser.source.includes('npm')) {
      throw new Error('TEST_REQUIRE_SYSTEM_CHROMIUM=1 but no system Chromium was found (apt-get install chromium)');
    }
    const imap = imapServerKind();
    project.provide('pgAdminUrl', postgres.url);
    project.provide('redisUrl', redis.url);
    project.provide('browser', browser);
    console.log(
      `test services: postgres=${postgres.source}; redis=${redis.source}; imap=${imap}; browser=${browser.source}`,
    );
  } catch (e) {
    await stopAll();
    throw e;
  }
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  };
}
