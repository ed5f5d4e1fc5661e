import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

export { httpClient } from './http-client.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Calls `fn` at a fixed rate for `seconds`, without waiting for answers (an open-loop load). */
export async function atRate(rate: number, seconds: number, fn: (i: number) => Promise<unknown>): Promise<{ sent: number; errors: number; reasons: string[]; achievedPerSec: number }> {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let errors = 0;
  /** What the failed calls failed with, each reason once. */
  const reasons = new Set<string>();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(fn(i).catch((e: Error) => (errors++, reasons.add(e.message))));
  }
  await Promise.all(inflight);
  // What was really answered per second: when the hub (or the generator) cannot keep up, the
  // last answer comes later than `seconds` and this falls below `rate`.
  const achievedPerSec = total / ((performance.now() - started) / 1000);
  return { sent: total, errors, reasons: [...reasons], achievedPerSec };
}

/** The hub as its own process, as it runs in production. */
export async function startHubProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<{ url: string; child: ChildProcess; stop(): Promise<void>; rssMb(): number }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited:\n${out.slice(-2000)}`);
    // A worker process serves no HTTP: it is ready once it says so.
    const ok = env.ROLE === 'worker' ? out.includes('worker role started') : await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`hub not ready:\n${out.slice(-2000)}`);
    await sleep(200);
  }
  return {
    url,
    child,
    rssMb: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      } catch {
        return NaN;
      }
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

/** CPU time (user + system, in seconds) a process has used so far, from /proc (NaN where there is none). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The pids of every process with this command name (`postgres` is one per connection), for cpuMeter. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Starts measuring these processes' CPU; the result gives each one's use in % of one core since
 * then. A function lists its processes at both ends (Postgres starts a backend per new pooled
 * connection): one born meanwhile counts all it used; one gone meanwhile counts nothing.
 */
export function cpuMeter(pids: Record<string, number | number[] | (() => number[])>): () => Record<string, number> {
  const started = performance.now();
  const list = (p: number | number[] | (() => number[])) => (typeof p === 'function' ? p() : Array.isArray(p) ? p : [p]);
  const at = new Map(Object.values(pids).flatMap(list).map((pid) => [pid, cpuSecondsOf(pid)]));
  const since = (pid: number) => Math.max(0, (cpuSecondsOf(pid) || 0) - (at.get(pid) ?? 0)) || 0;
  return () => {
    const wall = (performance.now() - started) / 1000;
    return Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, Math.round((100 * list(p).reduce((sum, pid) => sum + since(pid), 0)) / wall)]));
  };
}

export const randomId = () => randomBytes(6).toString('hex');

/** DATABASE_URL's server (the machine's Postgres unless told): each bench run gets a database of its own there. */
export const PG_URL = process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/postgres';

export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hub_bench_${randomId()}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** An agent's socket on the hub, connected (or the connect error). */
export function connectAgent(url: string, token: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, ...options });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

type Cleanup = () => Promise<unknown> | unknown;

/** Runs a bench's cleanups, newest first; one that fails does not keep the others from running. */
export async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
}

/** A bench's cleanups, run also when it is interrupted (Ctrl-C, a time limit): hub processes and databases go too. */
export function cleanupsOnInterrupt(first: Cleanup): Cleanup[] {
  const cleanups = [first];
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      await runCleanups(cleanups);
      process.exit(130);
    });
  }
  return cleanups;
}

/** `count` agents' sockets, connected a hundred at a time (as agents arrive, not one handshake storm). */
export async function connectAgents(url: string, token: string, count: number, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<Socket[]> {
  const sockets: Socket[] = [];
  while (sockets.length < count) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - sockets.length) }, () => connectAgent(url, token, options)))));
  }
  return sockets;
}

