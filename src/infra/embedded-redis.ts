import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectRedis } from '../queue/redis-connection.js';
import type { Logger } from '../logger.js';
import { freePort } from './free-port.js';
import type { Started } from './embedded-postgres.js';

/** The redis-server binary: REDIS_SERVER_BIN, else the first on the usual paths. */
export function findRedisServer(): string | undefined {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  if (fromEnv) return fromEnv;
  for (const candidate of ['redis-server', '/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server']) {
    const r = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

/** A redis-server left running by a hub that was killed outright (kill -9) would hold on forever: stop it. */
function stopStale(pidFile: string) {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) process.kill(pid, 'SIGTERM');
  } catch {
    // gone already, or not a system with /proc
  }
}

/**
 * Runs a private `redis-server` on a free port for a newcomer who has no REDIS_URL. Tests may
 * give the port (to start it again where it was) and turn persistence off.
 */
export async function startEmbeddedRedis(dataDir: string, log: Logger, opts: { port?: number; persistent?: boolean } = {}): Promise<Started> {
  const bin = findRedisServer();
  if (!bin) {
    throw new Error(
      'No REDIS_URL is set and no redis-server was found. Install Redis (Debian/Ubuntu: `apt-get install redis-server`, ' +
        'macOS: `brew install redis`), point REDIS_SERVER_BIN at a redis-server binary, or set REDIS_URL=redis://host:6379.',
    );
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  stopStale(pidFile);
  const port = opts.port ?? (await freePort());
  // The append-only file keeps queued jobs across restarts of a development hub.
  const appendonly = opts.persistent === false ? 'no' : 'yes';
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', appendonly], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => log.debug({ redis: String(d).trim() }, 'embedded redis'));
  writeFileSync(pidFile, String(child.pid));
  const url = `redis://127.0.0.1:${port}`;
  const probe = connectRedis({ url }, 'probe');
  probe.on('error', () => undefined); // refused until the server listens
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      await probe.connect().catch(() => undefined);
      if ((await probe.ping()) === 'PONG') break;
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) {
        probe.disconnect();
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  log.info({ port, dir }, 'embedded redis started (no REDIS_URL set)');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
