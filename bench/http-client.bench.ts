/**
 * `npm run bench:http-client`: what the load generator's client (bench/http-client.ts) costs per
 * request against undici's pool, in the same run: 50,000 keep-alive POSTs of a 600-byte JSON
 * body, 128 in flight, to a bare node:http server in a child process. Prints the client
 * process's CPU per request (the figure the generator takes from the hub's cores) and rates.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import { httpClient } from './http-client.js';
import { round } from './lib.js';

const TOTAL = 50_000;
const INFLIGHT = 128;
const server = spawn(process.execPath, ['-e', `
  const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
  s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number(String((await once(server.stdout!, 'data'))[0]).trim());
const base = `http://127.0.0.1:${port}`;
const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { text: 'x'.repeat(500) } }] }] });
const headers = { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };

type Post = () => Promise<{ status: number }>;
async function measure(name: string, post: Post) {
  let next = 0;
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(Array.from({ length: INFLIGHT }, async () => {
    while (next++ < TOTAL) if ((await post()).status !== 200) throw new Error('not 200');
  }));
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const usPerRequest = (used.user + used.system) / TOTAL;
  console.log(`${name}: ${round(TOTAL / seconds, 0)} requests/s, ${round(usPerRequest, 1)} µs of client CPU per request`);
  return usPerRequest;
}

const pool = new Pool(base, { connections: INFLIGHT, pipelining: 1 });
const undiciPost: Post = async () => {
  const r = await pool.request({ method: 'POST', path: '/webhooks/x', body, headers });
  await r.body.text();
  return { status: r.statusCode };
};
const lean = httpClient(base, INFLIGHT);
const leanPost: Post = () => lean('POST', '/webhooks/x', body, headers);

// A warm-up round each, then the measured rounds.
await measure('warm-up undici', undiciPost);
await measure('warm-up bench client', leanPost);
const u = await measure('undici Pool', undiciPost);
const b = await measure('bench client', leanPost);
console.log(`bench client CPU per request: ${round(b / u, 2)} of undici's`);
await pool.close();
server.kill();
process.exit(0);
