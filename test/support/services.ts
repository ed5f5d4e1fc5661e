/**
 * The real services the tests run against, found or started once for the whole run
 * (test/global-setup.ts): Postgres, Redis and a Chromium. Never assumed: TEST_PG_ADMIN_URL /
 * TEST_REDIS_URL / CHROMIUM_PATH when set; else the machine's services when they answer; else
 * the same embedded Postgres and private redis-server that `npm start` runs, and the Chromium
 * that `@sparticuz/chromium` ships.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.js';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { startEmbeddedRedis } from '../../src/infra/embedded-redis.js';

/** Kept across runs: the embedded cluster is initialised once, and a run killed outright is cleaned up by the next. */
export const CACHE_DIR = new URL('../../node_modules/.cache/hub-test', import.meta.url).pathname;

export type Service = { url: string; source: string; stop: () => Promise<void> };
export type BrowserInfo = { executablePath: string; env: Record<string, string>; source: string };

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

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'];

function systemChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/**
 * The npm-shipped Chromium unpacks into os.tmpdir() and reuses whatever it finds there, so it
 * gets a folder of its own per version, filled under a temporary name and renamed when complete:
 * an interrupted unpack is never mistaken for a whole one.
 */
async function unpackNpmChromium(): Promise<BrowserInfo> {
  const pkg = new URL('../../node_modules/@sparticuz/chromium/package.json', import.meta.url);
  const version: string = JSON.parse(readFileSync(pkg, 'utf8')).version;
  const dir = join(CACHE_DIR, `chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) {
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // In a child process: TMPDIR is process-wide, and Postgres is starting beside this.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await (await import('@sparticuz/chromium')).default.executablePath()"], {
      cwd: root, env: { ...process.env, TMPDIR: staging }, encoding: 'utf8', timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(r.stderr || r.error?.message || `exit ${r.status}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  // Its own fonts.conf names Lambda's folders: use the machine's fonts (if any) and the shipped ones.
  const fontsConf = join(dir, 'hub-fonts.conf');
  writeFileSync(
    fontsConf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${dir}/fonts/fonts</dir>\n` +
      `  <cachedir>${dir}/fonts-cache</cachedir>\n</fontconfig>\n`,
  );
  return { executablePath: join(dir, 'chromium'), env: { FONTCONFIG_FILE: fontsConf }, source: `@sparticuz/chromium ${version} (npm)` };
}

export async function findBrowser(): Promise<BrowserInfo> {
  const system = systemChromium();
  if (system) return { executablePath: system, env: {}, source: system };
  try {
    return await unpackNpmChromium();
  } catch (e) {
    throw new Error(
      `No Chromium for the browser tests: none on the machine and @sparticuz/chromium could not be unpacked (${(e as Error).message}). ` +
        'Run `npm install`, or install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH.',
    );
  }
}
