/**
 * The real services the tests run against, found or started once for the whole run
 * (test/global-setup.ts): Postgres, Redis and a Chromium. Never assumed: TEST_PG_ADMIN_URL /
 * TEST_REDIS_URL / CHROMIUM_PATH when set; else the machine's services when they answer; else
 * the same embedded Postgres and private redis-server that `npm start` runs, and the Chromium
 * that `@sparticuz/chromium` ships.
 */
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.js';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { startEmbeddedRedis } from '../../src/infra/embedded-redis.js';
import { findBrowser as findBrowserIn, type BrowserInfo } from '../../src/infra/browser.js';

export type { BrowserInfo };

/** Kept across runs: the embedded cluster is initialised once, and a run killed outright is cleaned up by the next. */
export const CACHE_DIR = new URL('../../node_modules/.cache/hub-test', import.meta.url).pathname;

export type Service = { url: string; source: string; stop: () => Promise<void> };

const MACHINE_PG = 'postgresql://root@127.0.0.1:5432/postgres';
const MACHINE_REDIS = 'redis://127.0.0.1:6379';
const none = async () => undefined;

async function postgresAnswers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function findOrStartPostgres(log: Logger): Promise<Service> {
  const given = process.env.TEST_PG_ADMIN_URL;
  if (given) return { url: given, source: 'TEST_PG_ADMIN_URL', stop: none };
  if (await postgresAnswers(MACHINE_PG)) return { url: MACHINE_PG, source: "the machine's on 127.0.0.1:5432", stop: none };
  const started = await startEmbeddedPostgres(join(CACHE_DIR, 'services'), log);
  return { ...started, source: 'embedded-postgres, started for this run' };
}

export async function findOrStartRedis(log: Logger): Promise<Service> {
  const given = process.env.TEST_REDIS_URL;
  if (given) return { url: given, source: 'TEST_REDIS_URL', stop: none };
  if (await redisAnswers(MACHINE_REDIS)) return { url: MACHINE_REDIS, source: "the machine's on 127.0.0.1:6379", stop: none };
  const started = await startEmbeddedRedis(join(CACHE_DIR, 'services'), log);
  return { ...started, source: 'a private redis-server, started for this run' };
}

export const findBrowser = (): Promise<BrowserInfo> => findBrowserIn(CACHE_DIR);
