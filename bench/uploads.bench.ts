/**
 * `npm run bench:uploads`: the hub's memory while agents upload big files at once. The hub runs as
 * its own process (API role) on a fresh database of DATABASE_URL's server and a fresh Redis
 * prefix; BENCH_UPLOADS (20) uploads of BENCH_UPLOAD_MB (16) MB each are streamed to it together
 * from generated chunks (so this process holds none of them). Prints the hub's resident memory
 * before, its peak (VmHWM) during, and one JSON line.
 */
import { request } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { freePort } from '../src/infra/free-port.js';
import { createBenchDatabase, randomId, round, startHubProcess } from './lib.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 20);
const MB = Number(process.env.BENCH_UPLOAD_MB ?? 16);
const log = (...a: unknown[]) => console.log(...a);

const memory = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** One multipart upload whose file is generated 64 KiB at a time while it is sent. */
function upload(base: string, token: string, bytes: number): Promise<number> {
  const boundary = `bench${randomId()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + bytes + tail.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.write(head);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
}

async function main() {
  const benchDb = await createBenchDatabase();
  const dataDir = `/tmp/hub-bench-${randomId()}`;
  const hub = await startHubProcess({
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()), ROLE: 'api', DATABASE_URL: benchDb.url, REDIS_URL,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'bench-secret-key-0123456789abcdef01234567',
    HUB_ADMIN_EMAIL: 'bench@hub.test', HUB_ADMIN_PASSWORD: 'bench-password-long-1', HUB_DEMO: '0', LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${randomId()}`, DATA_DIR: dataDir,
    UPLOAD_LIMIT_BYTES: String(MB * 1024 * 1024), UPLOADS_PER_USER_CONCURRENT: String(UPLOADS), UPLOADS_PER_USER_HOURLY: String(UPLOADS * 10),
  });
  try {
    const login = await fetch(`${hub.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@hub.test', password: 'bench-password-long-1' }),
    });
    const { token } = (await login.json()) as { token: string };
    // Warm up: the first request loads code paths.
    await upload(hub.url, token, 1024);
    const pid = hub.child.pid!;
    const before = memory(pid, 'VmRSS');
    log(`hub RSS before: ${round(before)} MB`);
    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: UPLOADS }, () => upload(hub.url, token, MB * 1024 * 1024 - 1024)));
    const seconds = (performance.now() - started) / 1000;
    const peak = memory(pid, 'VmHWM');
    const ok = statuses.filter((s) => s === 201).length;
    log(`${UPLOADS} concurrent uploads of ${MB} MB: ${ok} stored (statuses ${[...new Set(statuses)].join(',')}) in ${round(seconds, 2)} s`);
    log(`hub peak RSS during: ${round(peak)} MB (+${round(peak - before)} MB over before)`);
    console.log(JSON.stringify({ uploads: UPLOADS, mb: MB, stored: ok, seconds: round(seconds, 2), rssBeforeMb: round(before), peakRssMb: round(peak) }));
  } finally {
    await hub.stop();
    await benchDb.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
