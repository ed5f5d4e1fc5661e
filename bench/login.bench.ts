/**
 * `npm run bench:login`: how long real sign-ins take while a burst of
 * 400 concurrent sign-ins with wrong passwords, each from its own address (a distributed
 * guesser the per-address limit cannot stop; only the bound on scrypt work protects the real
 * user: without it the real sign-in waits behind all 400 hashes).
 * The hub runs as its own process behind a "trusted proxy" so the addresses can vary.
 * Prints each figure, then one JSON line.
 */
import { Redis } from 'ioredis';
import { freePort } from '../src/infra/free-port.js';
import { createBenchDatabase, httpClient, percentile, randomId, round, sleep, startHubProcess } from './lib.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FLOOD = Number(process.env.BENCH_FLOOD ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const log = (...a: unknown[]) => console.log(...a);

async function main() {
  const benchDb = await createBenchDatabase();
  const prefix = `bench-${randomId()}`;
  const hub = await startHubProcess({
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_URL: benchDb.url, REDIS_URL, ROLE: 'api',
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'bench-secret-key-0123456789abcdef01234567',
    HUB_ADMIN_EMAIL: 'bench@hub.test', HUB_ADMIN_PASSWORD: 'bench-password', HUB_DEMO: '0', LOG_LEVEL: 'warn', QUEUE_PREFIX: prefix,
    DATA_DIR: `/tmp/hub-bench-${randomId()}`, TRUST_PROXY: '1',
    // Per-account limits would refuse the flood's guesses early; this measures the hashing bound alone.
    LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '100000000',
  });
  try {
    const flood = httpClient(hub.url, FLOOD);
    const real = httpClient(hub.url, 4);
    const body = (email: string, password: string) => JSON.stringify({ email, password });
    const headers = (from: string) => ({ 'content-type': 'application/json', 'x-forwarded-for': from });
    let n = 0;
    const address = () => { n++; return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`; };

    // Quiet: the real login alone.
    const quiet: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const r = await real('POST', '/api/auth/login', body('bench@hub.test', 'bench-password'), headers(address()));
      if (r.status !== 200) throw new Error(`quiet login: ${r.status} ${r.body}`);
      quiet.push(performance.now() - t);
    }
    log(`real sign-in, quiet: p50 ${round(percentile(quiet, 50))} ms, max ${round(Math.max(...quiet))} ms`);

    // Bursts: FLOOD wrong sign-ins sent at once, repeated for SECONDS.
    const first: number[] = [];
    const untilIn: number[] = [];
    const firstStatus: Record<number, number> = {};
    const statuses: Record<number, number> = {};
    const burstMs: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end) {
      const b = performance.now();
      const burst = Promise.all(Array.from({ length: FLOOD }, () =>
        flood('POST', '/api/auth/login', body(`guess-${randomId()}@hub.test`, 'wrong-password'), headers(address()))
          .then((r) => r.status, () => 0)
          .then((st) => { statuses[st] = (statuses[st] ?? 0) + 1; })));
      // Real sign-ins one after another, from 50 ms into the burst until it is answered in full.
      let done = false;
      void burst.then(() => (done = true));
      await sleep(50);
      while (!done) {
        const t = performance.now();
        for (let attempt = 0; ; attempt++) {
          const r = await real('POST', '/api/auth/login', body('bench@hub.test', 'bench-password'), headers(address()));
          if (attempt === 0) {
            first.push(performance.now() - t);
            firstStatus[r.status] = (firstStatus[r.status] ?? 0) + 1;
          }
          if (r.status === 200) break;
          if (r.status !== 503) throw new Error(`real login during the burst: ${r.status} ${r.body}`);
          await sleep(1000); // Retry-After: 1
        }
        untilIn.push(performance.now() - t);
        await sleep(250);
      }
      await burst;
      burstMs.push(performance.now() - b);
      await sleep(500);
    }

    const results = {
      flood: FLOOD,
      bursts: burstMs.length,
      quietP50Ms: round(percentile(quiet, 50)),
      burstAnsweredP50Ms: round(percentile(burstMs, 50)),
      firstAttemptP50Ms: round(percentile(first, 50)),
      firstAttemptMaxMs: round(Math.max(...first)),
      firstAttemptStatuses: firstStatus,
      signedInP50Ms: round(percentile(untilIn, 50)),
      signedInMaxMs: round(Math.max(...untilIn)),
      floodStatuses: statuses,
    };
    log(`${results.bursts} bursts of ${FLOOD} concurrent wrong sign-ins, each answered in full within p50 ${results.burstAnsweredP50Ms} ms (statuses ${JSON.stringify(statuses)})`);
    log(`real sign-ins during the bursts (${first.length}), first attempt: p50 ${results.firstAttemptP50Ms} ms, max ${results.firstAttemptMaxMs} ms; statuses ${JSON.stringify(firstStatus)}`);
    log(`  until signed in (following Retry-After on 503): p50 ${results.signedInP50Ms} ms, max ${results.signedInMaxMs} ms`);
    log(JSON.stringify(results));
  } finally {
    await hub.stop();
    await benchDb.drop();
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
}

await main();
