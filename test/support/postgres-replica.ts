/**
 * A Postgres primary and a streaming hot-standby replica of it, each a real server of its own
 * in a temp dir on a free loopback port, for the read-replica test. Binaries: TEST_PG_BIN_DIR
 * when set, else Debian's /usr/lib/postgresql/<newest>/bin, else the embedded package's (a
 * fresh machine has only initdb, pg_ctl and postgres there). The replica is a pg_basebackup -R
 * when that exists, else a cold copy of the stopped primary with standby.signal and
 * primary_conninfo. Run as root, both run as the `postgres` user, as the embedded Postgres does.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedPostgresBinDir } from '../../src/infra/embedded-postgres.js';
import { freePort } from '../../src/infra/free-port.js';

export type PgServer = {
  port: number;
  /** A database on this server, as the trusted superuser `hub` over loopback. */
  url(db?: string): string;
  query<R extends pg.QueryResultRow = any>(text: string, params?: unknown[], db?: string): Promise<R[]>;
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The server's log (log_statement = all on the replica) from a byte offset on. */
  logSince(offset: number): string;
  logSize(): number;
};

export type ReplicaPair = {
  primary: PgServer;
  replica: PgServer;
  /** Where the binaries came from and how the replica was made. */
  how: string;
  /** Waits until the replica has replayed everything the primary wrote so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops both servers and removes their folders. */
  close(): Promise<void>;
};

function findBinaries(): { dir: string; source: string } {
  const given = process.env.TEST_PG_BIN_DIR;
  if (given) return { dir: given, source: `TEST_PG_BIN_DIR (${given})` };
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length) return { dir: join(debian, versions[0]!, 'bin'), source: `Debian's Postgres ${versions[0]}` };
  return { dir: embeddedPostgresBinDir(), source: 'the embedded-postgres binaries' };
}

/** Postgres refuses to run as root: then it runs as `postgres` (created as embedded-postgres does, if missing). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function run(file: string, args: string[], user: ReturnType<typeof runAs>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${out.slice(-2000)}`))));
  });
}

const CONF = (port: number, socketDir: string) => `
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${socketDir}'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '128MB'
hot_standby = on
fsync = off
max_connections = 100
`;

// Loopback only, trusted: these servers live for one test run in a temp dir.
const HBA = `local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
`;

function server(bin: string, dataDir: string, logFile: string, port: number, user: ReturnType<typeof runAs>): PgServer {
  const url = (db = 'hub') => `postgresql://hub@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    async query(text, params, db) {
      const c = new pg.Client({ connectionString: url(db), connectionTimeoutMillis: 5_000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query(text, params as any[])).rows;
      } finally {
        await c.end();
      }
    },
    start: () => run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], user),
    stop: (mode = 'fast') => run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', 'stop'], user),
    logSize: () => (existsSync(logFile) ? statSync(logFile).size : 0),
    logSince: (offset) => (existsSync(logFile) ? readFileSync(logFile).subarray(offset).toString('utf8') : ''),
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const { dir: bin, source } = findBinaries();
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'hub-replica-'));
  if (user) chownSync(root, user.uid, user.gid);
  const primaryDir = join(root, 'primary');
  const replicaDir = join(root, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = server(bin, primaryDir, join(root, 'primary.log'), primaryPort, user);
  const replica = server(bin, replicaDir, join(root, 'replica.log'), replicaPort, user);
  const started: PgServer[] = [];
  // A test process that dies without closing still takes its servers with it.
  const onExit = () => {
    for (const dir of [replicaDir, primaryDir]) {
      try {
        execFileSync(join(bin, 'pg_ctl'), ['-D', dir, '-m', 'immediate', 'stop'], { ...user, stdio: 'ignore' });
      } catch { /* not running */ }
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const close = async () => {
    process.off('exit', onExit);
    for (const s of started.splice(0).reverse()) await s.stop('immediate').catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await run(join(bin, 'initdb'), ['-D', primaryDir, '-U', 'hub', '--auth=trust', '--encoding=UTF8', '--no-locale'], user);
    appendFileSync(join(primaryDir, 'postgresql.conf'), CONF(primaryPort, root));
    writeFileSync(join(primaryDir, 'pg_hba.conf'), HBA);
    await primary.start();
    started.push(primary);
    await primary.query('create database hub', [], 'postgres');

    let how: string;
    if (existsSync(join(bin, 'pg_basebackup'))) {
      await run(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'hub', '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast'], user);
      how = `${source}, replica by pg_basebackup -R`;
    } else {
      // No pg_basebackup: a cold copy of the cleanly stopped primary is a consistent base to stream from.
      await primary.stop('fast');
      started.pop();
      await run('cp', ['-a', primaryDir, replicaDir], user);
      writeFileSync(join(replicaDir, 'standby.signal'), '');
      appendFileSync(join(replicaDir, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=hub application_name=replica'\n`);
      if (user) for (const f of ['standby.signal', 'postgresql.auto.conf']) chownSync(join(replicaDir, f), user.uid, user.gid);
      await primary.start();
      started.push(primary);
      how = `${source}, replica by a cold copy of the stopped primary`;
    }
    // Every statement the replica runs is in its log: the test reads which reads reached it.
    appendFileSync(join(replicaDir, 'postgresql.conf'), `port = ${replicaPort}\nlog_statement = 'all'\n`);
    await replica.start();
    started.push(replica);
    await until('replica streaming', async () => (await primary.query("select 1 from pg_stat_replication where state = 'streaming'")).length === 1);
    await until('replica in recovery', async () => (await replica.query('select pg_is_in_recovery() as r'))[0]?.r === true);

    const caughtUp = async (timeoutMs = 30_000) => {
      const [{ lsn }] = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      await until('replica caught up', async () => (await replica.query('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn]))[0]?.ok === true, timeoutMs);
    };
    return {
      primary,
      replica,
      how,
      caughtUp,
      pauseReplay: async () => {
        await replica.query('select pg_wal_replay_pause()');
        await until('replay paused', async () => (await replica.query('select pg_get_wal_replay_pause_state() as s'))[0]?.s === 'paused');
      },
      resumeReplay: async () => {
        await replica.query('select pg_wal_replay_resume()');
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
