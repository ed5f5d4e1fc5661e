import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { appendFileSync, mkdirSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startHub, type Hub } from '../../src/hub.js';

/** The services found or started for this run by test/global-setup.ts. */
export const PG_ADMIN_URL = inject('pgAdminUrl');
export const REDIS_URL = inject('redisUrl');
export const ADMIN = { email: 'owner@hub.test', password: 'owner-password-1' };
const LOG_DIR = new URL('../../test-artifacts/logs', import.meta.url).pathname;

const rand = () => randomBytes(5).toString('hex');

/** A fresh, empty database of its own for one test file. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hub_test_${rand()}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function deleteRedisPrefix(redisUrl: string, prefix: string) {
  // A test may have stopped this Redis on purpose: then there is nothing to clean.
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => undefined);
  if (!(await r.ping().then(() => true, () => false))) return r.disconnect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

export type TestHub = Hub & {
  config: Config;
  databaseUrl: string;
  /** Everything the hub logged, as text. */
  logs: () => string;
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  login(email?: string, password?: string): Promise<string>;
  close(): Promise<void>;
};

/** A whole hub (API and worker roles unless told) on its own database and queue prefix. */
export async function startTestHub(env: Record<string, string> = {}, opts: { databaseUrl?: string; redisUrl?: string } = {}): Promise<TestHub> {
  const db = opts.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789',
    HUB_SECRET_KEY: 'test-hub-secret-key-0123456789abcdef012345',
    HUB_ADMIN_EMAIL: ADMIN.email,
    HUB_ADMIN_PASSWORD: ADMIN.password,
    HUB_DEMO: '0',
    LOG_LEVEL: 'info',
    QUEUE_PREFIX: `test-${rand()}`,
    DATA_DIR: `/tmp/hub-test-data-${rand()}`,
    ...env,
  });
  let logged = '';
  // Kept as a test artifact too, for reading after a failure.
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = `${LOG_DIR}/${config.queuePrefix}.log`;
  const sink = new Writable({ write(chunk, _enc, cb) { logged += chunk.toString(); appendFileSync(logFile, chunk); cb(); } });
  const log = createLogger(config.logLevel, sink);
  const hub = await startHub({ config, log, databaseUrl, redisUrl });
  const base = hub.url!;
  const request: TestHub['request'] = async (method, path, o = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...o.headers,
      },
      body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    });
    const text = await res.text();
    let body: any;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
    return { status: res.status, body, text };
  };
  return Object.assign(hub, {
    config,
    databaseUrl,
    logs: () => logged,
    request,
    async login(email = ADMIN.email, password = ADMIN.password) {
      const r = await request('POST', '/api/auth/login', { body: { email, password } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
      return r.body.token as string;
    },
    async close() {
      await hub.stop();
      await deleteRedisPrefix(redisUrl, config.queuePrefix);
      await db?.drop();
    },
  });
}
