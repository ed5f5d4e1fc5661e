import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Agent, fetch } from 'undici';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.js';
import { freePort } from '../../src/infra/free-port.js';
import { createLogger } from '../../src/logger.js';
import { sleep, startHubProcess } from '../../bench/lib.js';
import { sign } from '../support/whatsapp.js';

/**
 * The chaos suite's own services: a Postgres cluster and a redis-server that it may stop and
 * start at will on fixed ports (never the machine's), and the hub as separate processes.
 */

/**
 * A private Postgres cluster on a free port that can be stopped and started again on that port:
 * the hub's own embedded Postgres (src/infra), so it runs wherever `npm start` does.
 */
export async function privatePostgres(dir: string) {
  const port = await freePort();
  const log = createLogger('silent');
  let running = await startEmbeddedPostgres(dir, log, { port });
  return {
    url: running.url,
    /** A fast shutdown: every connection is cut, nothing listens until start(). */
    stop: () => running.stop(),
    start: async () => {
      running = await startEmbeddedPostgres(dir, log, { port });
    },
  };
}

/** A private redis-server with an append-only file fsynced on every write, restartable on its port. */
export async function privateRedis(dir: string) {
  const port = await freePort();
  const data = join(dir, 'redis');
  mkdirSync(data, { recursive: true });
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 200; i++) {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if (await probe.connect().then(() => probe.ping(), () => null) === 'PONG') return;
        await sleep(50);
      }
      throw new Error('redis-server did not answer within 10 s');
    } finally {
      probe.disconnect();
    }
  };
  const stop = () => new Promise<void>((resolve) => {
    const c = child;
    if (!c || c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
  await start();
  return { url, start, stop };
}

export type HubProcess = Awaited<ReturnType<typeof startHubProcess>>;

/** kill -9, and wait until the process is gone. */
export function killHard(p: HubProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

/**
 * Signed WhatsApp deliveries at a steady rate, each retried on anything but a 200 (connection
 * refused, a 5xx, no answer within 5 s) with backoff, as Meta retries: bounded in attempts and time.
 */
export class WebhookSender {
  readonly accepted = new Set<string>();
  readonly abandoned = new Set<string>();
  refused = 0;
  // A platform retries over a bounded pool of connections; without a cap, thousands of retries in
  // flight during an outage on a loaded machine ran this process out of file descriptors.
  private readonly pool = new Agent({ connections: 128 });
  constructor(private readonly url: string, private readonly deadline: number) {}

  private async deliver(id: string, body: string) {
    let backoff = 250;
    for (let attempt = 0; attempt < 400 && Date.now() < this.deadline; attempt++) {
      try {
        const r = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
          body,
          signal: AbortSignal.timeout(5000),
          dispatcher: this.pool,
        });
        await r.arrayBuffer();
        if (r.status === 200) {
          this.accepted.add(id);
          return;
        }
      } catch {
        // refused, reset or timed out: the same as a non-200 for the platform
      }
      this.refused++;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 4000);
    }
    this.abandoned.add(id);
  }

  /** Sends `rate` deliveries a second built by `make(i)` until stop() is called; stop() waits for every retry to settle. */
  stream(rate: number, make: (i: number) => { id: string; body: string }) {
    const inflight: Promise<void>[] = [];
    const ids: string[] = [];
    let running = true;
    const started = performance.now();
    const loop = (async () => {
      for (let i = 0; running && i < rate * 600 && Date.now() < this.deadline; i++) {
        const wait = started + (i * 1000) / rate - performance.now();
        if (wait > 1) await sleep(wait);
        const { id, body } = make(i);
        ids.push(id);
        inflight.push(this.deliver(id, body));
      }
    })();
    return {
      ids,
      stop: async () => {
        running = false;
        await loop;
        await Promise.all(inflight);
        await this.pool.close();
        return ids;
      },
    };
  }
}
