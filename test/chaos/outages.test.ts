import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startHubProcess } from '../../bench/lib.js';
import { freePort } from '../../src/infra/free-port.js';
import { APP_SECRET, PHONE_NUMBER_ID, textWebhook, waId, wamid } from '../support/whatsapp.js';
import { WebhookSender, killHard, privatePostgres, privateRedis, type HubProcess } from './support.js';

/**
 * Chaos: the hub as an API process and a worker process on a Postgres and a Redis of the suite's
 * own, under a steady stream of signed WhatsApp webhooks retried on every non-200. Each fault
 * hits while the stream runs; afterwards every acknowledged message id is stored exactly once.
 */
const RATE = 25; // deliveries per second: steady, and light enough for a shared 2-core machine
const dir = mkdtempSync(join(tmpdir(), 'hub-chaos-'));
chmodSync(dir, 0o755); // Postgres runs as its own user (when the suite runs as root)
let postgres: Awaited<ReturnType<typeof privatePostgres>>;
let redis: Awaited<ReturnType<typeof privateRedis>>;
let env: Record<string, string>;
let api: HubProcess;
let worker: HubProcess;
let db: pg.Pool;
let webhookUrl: string;
const figures: string[] = [];

const startApi = () => startHubProcess({ ...env, ROLE: 'api' });
const startWorker = () => startHubProcess({ ...env, ROLE: 'worker' });

beforeAll(async () => {
  redis = await privateRedis(dir);
  postgres = await privatePostgres(dir);
  env = {
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()),
    DATABASE_URL: postgres.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'chaos', DATA_DIR: join(dir, 'hub'),
    JWT_SECRET: 'chaos-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'chaos-secret-key-0123456789abcdef01234567',
    HUB_ADMIN_EMAIL: 'owner@chaos.test', HUB_ADMIN_PASSWORD: 'chaos-password-1', HUB_DEMO: '0', LOG_LEVEL: 'info',
  };
  api = await startApi();
  worker = await startWorker();
  const login = await (await fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: env.HUB_ADMIN_EMAIL, password: env.HUB_ADMIN_PASSWORD }) })).json();
  const channel = await (await fetch(`${api.url}/api/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
    body: JSON.stringify({ kind: 'whatsapp_cloud', name: 'Chaos', credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'EAAchaos', appSecret: APP_SECRET, verifyToken: 'chaos' } }),
  })).json();
  webhookUrl = `${api.url}/webhooks/${channel.id}`;
  // A pool: its connections die with Postgres during that fault, and new ones are made after.
  db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  db.on('error', () => undefined);
}, 120_000);

afterAll(async () => {
  console.log(`chaos figures (${RATE} deliveries/s):\n${figures.join('\n')}`);
  await db?.end().catch(() => undefined);
  await Promise.all([api, worker].map((p) => p?.stop()));
  await postgres?.stop().catch(() => undefined);
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** How many rows each id has in messages (ids missing are not in the map). */
async function storedCounts(ids: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query('select external_id, count(*)::int as n from messages where external_id = any($1::text[]) group by external_id', [ids]);
  return new Map(rows.map((r) => [r.external_id as string, r.n as number]));
}

/**
 * Streams deliveries tagged `tag` while `fault` runs, then waits (bounded) until everything
 * acknowledged is stored, and reports the figures.
 */
async function underFault(tag: string, fault: () => Promise<void>, opts: { drainMs: number }) {
  const sender = new WebhookSender(webhookUrl, Date.now() + 240_000);
  const stream = sender.stream(RATE, (i) => ({ id: wamid(`${tag}-${i}`), body: textWebhook({ waId: waId(i % 40), id: wamid(`${tag}-${i}`), body: `chaos ${tag} ${i}` }) }));
  await sleep(3000); // a steady stream first
  await fault();
  await sleep(3000); // and after it
  const ids = await stream.stop();
  const accepted = ids.filter((id) => sender.accepted.has(id));
  const sentAll = Date.now();
  let counts = new Map<string, number>();
  while (Date.now() - sentAll < opts.drainMs) {
    counts = await storedCounts(accepted).catch(() => counts);
    if (accepted.every((id) => counts.has(id))) break;
    await sleep(500);
  }
  const drainedMs = Date.now() - sentAll;
  await sleep(1000); // anything still arriving would be a second copy
  counts = await storedCounts(ids);
  const lost = accepted.filter((id) => !counts.has(id));
  const doubled = [...counts.values()].filter((n) => n > 1).length;
  const line = `  ${tag}: sent ${ids.length}, accepted ${accepted.length}, stored ${[...counts.keys()].filter((id) => sender.accepted.has(id)).length}` +
    ` (lost ${lost.length}, doubled ${doubled}), refused attempts ${sender.refused}, never accepted ${sender.abandoned.size}, drained ${(drainedMs / 1000).toFixed(1)} s after the last answer`;
  figures.push(line);
  console.log(line);
  return { ids, accepted, lost, doubled, abandoned: sender.abandoned.size };
}

function expectNothingLost(r: Awaited<ReturnType<typeof underFault>>) {
  expect(r.accepted.length).toBeGreaterThan(RATE * 5);
  expect(r.abandoned).toBe(0);
  expect(r.lost).toEqual([]);
  expect(r.doubled).toBe(0);
}

describe('chaos: nothing acknowledged is lost or doubled', () => {
  it('kill -9 of the worker, then a new one', async () => {
    // The dead worker's jobs are taken up again once their 15 s locks lapse (failure-policy.ts), not a minute later.
    const r = await underFault('worker-kill', async () => {
      await killHard(worker);
      worker = await startWorker();
    }, { drainMs: 40_000 });
    expectNothingLost(r);
  }, 180_000);

  it('kill -9 of the API, then a new one on its port', async () => {
    const r = await underFault('api-kill', async () => {
      await killHard(api);
      api = await startApi();
    }, { drainMs: 60_000 });
    expectNothingLost(r);
  }, 180_000);

  it('Redis restarted (its append-only file keeps the queue)', async () => {
    const r = await underFault('redis-restart', async () => {
      await redis.stop();
      await sleep(3000);
      await redis.start();
    }, { drainMs: 60_000 });
    expectNothingLost(r);
  }, 180_000);

  it('Postgres stopped for 90 s, then started', async () => {
    const r = await underFault('postgres-90s', async () => {
      await postgres.stop();
      await sleep(90_000);
      await postgres.start();
    }, { drainMs: 120_000 });
    expectNothingLost(r);
  }, 300_000);
});
