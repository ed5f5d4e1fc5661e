import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { startEmbeddedRedis } from '../../src/infra/embedded-redis.js';
import { freePort } from '../../src/infra/free-port.js';
import { createLogger } from '../../src/logger.js';
import { isInfrastructureError, platformCall } from '../../src/errors.js';
import { ConnectorError } from '../../connectors/types.js';
import { deliveriesOf } from '../../src/pipeline/ingest.queue.js';
import pg from 'pg';
import { Redis } from 'ioredis';
import { until } from '../support/agent.js';
import { TEST_METRICS_TOKEN, startTestHub, type TestHub } from '../support/hub.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

/**
 * Outages of the hub's own Postgres and Redis, each a private server this file starts and
 * stops (never the machine's).
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  // The hub first, while its Postgres and Redis are (back) up.
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 120_000);
const silent = createLogger('silent');
const stored = (hub: TestHub, id: string) =>
  hub.deps.orm.em.getConnection().execute('select content from messages where external_id = ?', [id]).then((r) => r[0]?.content as string | undefined, () => undefined);
const retriesOf = async (hub: TestHub, queue: string) =>
  (await hub.deps.metrics.infraRetries.get()).values.find((v) => v.labels.queue === queue)?.value ?? 0;

describe('a Postgres outage', () => {
  it('keeps a job that hits it waiting past its attempt limit, without using attempts, and stores it when Postgres is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-pg-outage-'));
    chmodSync(dir, 0o755); // initdb runs as the postgres user when the tests run as root
    const port = await freePort();
    let pg = await startEmbeddedPostgres(dir, silent, { port });
    cleanups.push(() => pg.stop());
    const hub = await startTestHub({}, { databaseUrl: pg.url });
    cleanups.push(() => hub.close());
    const token = await hub.login();
    const channelId = (await createWhatsAppChannel(hub, token)).id;
    // Another channel, not in memory when the outage begins: nothing vouches for it.
    const coldChannel = (await createWhatsAppChannel(hub, token)).id;
    expect((await postWebhook(hub, channelId, textWebhook({ waId: waId(1), id: wamid('before'), body: 'before the outage' }))).status).toBe(200);
    await until(() => stored(hub, wamid('before')), Boolean, 15_000);

    await pg.stop();
    // Its entry dropped, as a change announced by another process does (the puller's reload fails now).
    await hub.deps.channels.changed(coldChannel);
    const body = textWebhook({ waId: waId(2), id: wamid('during'), body: 'sent while Postgres was down' });
    // The channel is known and Redis holds the job: acknowledging is safe.
    expect((await postWebhook(hub, channelId, body)).status).toBe(200);
    // Unknown to this process and the database is down: the platform is asked to retry.
    const cold = await postWebhook(hub, coldChannel, body);
    expect(cold.status).toBe(503);
    expect((await cold.json()).error.code).toBe('service_unavailable');

    const attempts = hub.deps.queues.ingest.defaultJobOptions.attempts!;
    // More tries than the queue's attempt limit, none of them counted as an attempt.
    await until(() => retriesOf(hub, 'ingest'), (n) => n > attempts, 60_000, 200);
    const jobs = await hub.deps.queues.ingest.getJobs(['delayed', 'wait', 'active', 'failed', 'completed']);
    // The group job that holds the delivery, and the delivery's own key (its kept payload's).
    const during = jobs.find((j) => deliveriesOf(j).some((d) => d.raw.body === body))!;
    expect(during).toBeDefined();
    expect(during.attemptsMade).toBe(0);
    expect(await during.getState()).not.toBe('failed');
    expect(await hub.deps.queues.ingest.getFailedCount()).toBe(0);
    expect(hub.logs()).toContain('database or queue unreachable');
    expect(await (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text()).toMatch(/hub_infra_waiting\{queue="ingest"\} 1/);

    pg = await startEmbeddedPostgres(dir, silent, { port });
    expect(await until(() => stored(hub, wamid('during')), Boolean, 30_000)).toBe('sent while Postgres was down');
    const [kept] = await hub.deps.orm.em.getConnection().execute('select outcome from webhook_events where job_id = ?', [deliveriesOf(during).find((d) => d.raw.body === body)!.key]);
    expect(kept.outcome).toBe('stored');
    expect(await hub.deps.queues.ingest.getFailedCount()).toBe(0);
    await until(async () => (await hub.deps.metrics.infraWaiting.get()).values.find((v) => v.labels.queue === 'ingest')?.value, (v) => v === 0, 10_000);
  }, 150_000);
});

describe('a Redis outage', () => {
  it('answers webhooks 503 within a second while Redis is down, and queues again, with the maintenance tasks, once it is back', async () => {
    const port = await freePort();
    let redis = await startEmbeddedRedis(mkdtempSync(join(tmpdir(), 'hub-redis-outage-')), silent, { port, persistent: false });
    cleanups.push(() => redis.stop());
    const hub = await startTestHub({}, { redisUrl: `redis://127.0.0.1:${port}` });
    cleanups.push(() => hub.close());
    const token = await hub.login();
    const channelId = (await createWhatsAppChannel(hub, token)).id;
    expect((await postWebhook(hub, channelId, textWebhook({ waId: waId(11), id: wamid('r-before'), body: 'before' }))).status).toBe(200);
    await until(() => stored(hub, wamid('r-before')), Boolean, 15_000);
    expect((await hub.deps.queues.maintenance.getJobSchedulers()).length).toBeGreaterThan(0);

    await redis.stop();
    const body = textWebhook({ waId: waId(12), id: wamid('r-during'), body: 'while Redis was down' });
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await postWebhook(hub, channelId, body);
      const ms = performance.now() - started;
      expect(res.status).toBe(503);
      expect(ms).toBeLessThan(1000);
      expect((await res.json()).error.code).toBe('service_unavailable');
    }

    // Back, but empty (no persistence): what it held is gone, including the repeatable jobs.
    redis = await startEmbeddedRedis(mkdtempSync(join(tmpdir(), 'hub-redis-outage-')), silent, { port, persistent: false });
    // The platform redelivers until it gets a 200.
    await until(async () => (await postWebhook(hub, channelId, body)).status, (s) => s === 200, 20_000, 250);
    expect(await until(() => stored(hub, wamid('r-during')), Boolean, 20_000)).toBe('while Redis was down');
    const schedulers = await until(() => hub.deps.queues.maintenance.getJobSchedulers(), (s) => s.length >= 4, 10_000);
    expect(schedulers.map((s) => s.key).sort()).toEqual(['apply-pending-statuses', 'purge-orphan-uploads', 'purge-webhook-events', 'requeue-stuck-media']);
  }, 90_000);
});

describe('what counts as an outage', () => {
  it('is Postgres or Redis unreachable, never a bad statement or a platform that refuses', async () => {
    const closed = await freePort();
    const client = new pg.Client({ connectionString: `postgresql://root@127.0.0.1:${closed}/postgres` });
    const refused = await client.connect().then(() => undefined, (e: unknown) => e);
    expect(isInfrastructureError(refused)).toBe(true);

    const hub = await startTestHub({ ROLE: 'api' });
    cleanups.push(() => hub.close());
    const sql = (text: string) => hub.deps.orm.em.getConnection().execute(text).then(() => undefined, (e: unknown) => e);
    expect(isInfrastructureError(await sql('select nonsense from nowhere'))).toBe(false);
    expect(isInfrastructureError(await sql('select chr(0)'))).toBe(false);
    // A NUL in the statement itself: a protocol violation (08P01), the statement's fault.
    expect(isInfrastructureError(await sql("select 'a\u0000b'"))).toBe(false);
    // Postgres telling us it is going away (57P01), as a restart does to every open connection.
    const terminated = await hub.deps.orm.em.getConnection().execute("do $$ begin raise exception 'bye' using errcode = '57P01'; end $$").then(() => undefined, (e: unknown) => e);
    expect(isInfrastructureError(terminated)).toBe(true);

    const redis = new Redis(`redis://127.0.0.1:${closed}`, { enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect().catch(() => undefined);
    expect(isInfrastructureError(await redis.get('x').then(() => undefined, (e: unknown) => e))).toBe(true);
    redis.disconnect();

    // A platform's API down is the platform's failure: the job uses its attempts as before.
    const platformDown = await platformCall(fetch(`http://127.0.0.1:${closed}/v21.0/me`)).then(() => undefined, (e: unknown) => e);
    expect(isInfrastructureError(platformDown)).toBe(false);
    expect(isInfrastructureError(new ConnectorError('temporary', 'connect ECONNREFUSED'))).toBe(false);
  }, 60_000);
});
