/**
 * A real Redis Cluster for a test: `redis-server --cluster-enabled yes` nodes on free loopback
 * ports, their slots assigned and the nodes introduced by commands from here (CLUSTER
 * ADDSLOTSRANGE / MEET), so nothing but the redis-server binary is needed (no redis-cli).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findRedisServer } from '../../src/infra/embedded-redis.js';
import { freePort } from '../../src/infra/free-port.js';
import { CACHE_DIR } from './services.js';

const SLOTS = 16384;
/** How long a silent node takes to count as failed (the cluster then refuses with CLUSTERDOWN). */
export const NODE_TIMEOUT_MS = 3000;
/** Nodes of a run killed outright are recorded here and stopped by the next. */
const PID_DIR = join(CACHE_DIR, 'redis-cluster-pids');

export type RedisClusterNodes = {
  /** The nodes' client ports on 127.0.0.1, in slot order. */
  ports: number[];
  /** `127.0.0.1:7001,127.0.0.1:7002,...`, as REDIS_CLUSTER_NODES takes them. */
  spec: string;
  /** Kills one node outright (SIGKILL): what it held in memory is gone. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again: it rejoins with its identity and slots (its nodes.conf). */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
};

function stopStale() {
  if (!existsSync(PID_DIR)) return;
  for (const file of readdirSync(PID_DIR)) {
    const pid = Number(readFileSync(join(PID_DIR, file), 'utf8'));
    try {
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
    unlinkSync(join(PID_DIR, file));
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedisCluster(size = 3): Promise<RedisClusterNodes> {
  const bin = findRedisServer();
  if (!bin) throw new Error('no redis-server binary found (REDIS_SERVER_BIN, or install redis-server)');
  // --cluster-port, CLUSTER ADDSLOTSRANGE and the sharded pub/sub the hub uses on a cluster are Redis 7's.
  const version = /v=(\d+)\./.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout)?.[1];
  if (Number(version) < 7) throw new Error(`the Redis Cluster test needs redis-server >= 7 (found ${bin} v${version})`);
  stopStale();
  mkdirSync(PID_DIR, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'hub-redis-cluster-'));
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(
      children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      })),
    );
    for (const child of children) rmSync(join(PID_DIR, String(child.pid)), { force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      const p = await freePort();
      return taken.has(p) ? port() : (taken.add(p), p);
    };
    const nodes: { port: number; busPort: number }[] = [];
    for (let i = 0; i < size; i++) nodes.push({ port: await port(), busPort: await port() });
    const launch = (i: number) => {
      const { port, busPort } = nodes[i]!;
      const child = spawn(bin, [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', join(dir, `node-${i}`),
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
        '--save', '', '--appendonly', 'no',
      ], { stdio: 'ignore' });
      children[i] = child;
      writeFileSync(join(PID_DIR, String(child.pid)), String(child.pid));
    };
    for (const [i, { port }] of nodes.entries()) {
      mkdirSync(join(dir, `node-${i}`));
      launch(i);
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined); // refused until the server listens
      clients.push(client);
    }
    await Promise.all(clients.map((c, i) => until(`node ${i} answering`, async () => (await c.ping()) === 'PONG')));
    // Contiguous slot ranges, one per node, then every node introduced to the first.
    await Promise.all(clients.map((c, i) => c.call('CLUSTER', 'ADDSLOTSRANGE', String(Math.floor((SLOTS * i) / size)), String(Math.floor((SLOTS * (i + 1)) / size) - 1))));
    for (const { port, busPort } of nodes.slice(1)) await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(port), String(busPort));
    const info = async (c: Redis) => String(await c.call('CLUSTER', 'INFO'));
    await Promise.all(clients.map((c, i) => until(`node ${i} to see the whole cluster`, async () => {
      const text = await info(c);
      return text.includes('cluster_state:ok') && text.includes(`cluster_known_nodes:${size}`);
    })));
    const indexOf = (port: number) => {
      const i = nodes.findIndex((n) => n.port === port);
      if (i < 0) throw new Error(`redis cluster: no node on port ${port}`);
      return i;
    };
    const kill = async (port: number) => {
      const child = children[indexOf(port)]!;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
      rmSync(join(PID_DIR, String(child.pid)), { force: true });
    };
    const restart = async (port: number) => {
      const i = indexOf(port);
      launch(i);
      await until(`node ${i} answering again`, async () => (await clients[i]!.ping()) === 'PONG');
      await Promise.all(clients.map((c, k) => until(`node ${k} to see the cluster whole again`, async () => (await info(c)).includes('cluster_state:ok'), 30_000)));
    };
    return { ports: nodes.map((n) => n.port), spec: nodes.map((n) => `127.0.0.1:${n.port}`).join(','), kill, restart, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
