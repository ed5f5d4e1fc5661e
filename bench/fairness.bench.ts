/**
 * `npm run bench:fairness`: does one organization's flood delay another organization's
 * messages? The hub runs as an API and a worker process on the configured Postgres (a fresh
 * database) and Redis (a fresh queue prefix). Organization A receives 20,000 WhatsApp
 * reactions in three deliveries; meanwhile organization B's customers write 10 messages a
 * second, and B's agent measures each from the POST to its conversation_updated. Prints each
 * figure, then one JSON line.
 */
import { createHmac } from 'node:crypto';
import { setPriority } from 'node:os';
import pg from 'pg';
import { freePort } from '../src/infra/free-port.js';
import { cleanupsOnInterrupt, connectAgent, createBenchDatabase, httpClient, percentile, randomId, round, runCleanups, sleep, startHubProcess } from './lib.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FLOOD_REACTIONS = Number(process.env.BENCH_FLOOD_REACTIONS ?? 20_000);
const FLOOD_DELIVERIES = 3;
const APP_SECRET = 'bench-app-secret';
const PHONE_A = '100000000000001';
const PHONE_B = '100000000000002';
const log = (...a: unknown[]) => console.log(...a);
const sign = (body: string) => `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
const waId = (n: number) => `1555${String(n).padStart(7, '0')}`;

type WaMessage = { from: string; id: string; text?: string; reaction?: { message_id: string; emoji: string } };

/** One WhatsApp delivery (one change) carrying many messages, as Meta batches them. */
function waBody(phoneNumberId: string, messages: WaMessage[]) {
  const ts = String(Math.floor(Date.now() / 1000));
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
      contacts: [...new Set(messages.map((m) => m.from))].map((from) => ({ profile: { name: `Customer ${from}` }, wa_id: from })),
      messages: messages.map((m) => ({
        from: m.from, id: m.id, timestamp: ts,
        ...(m.reaction ? { type: 'reaction', reaction: m.reaction } : { type: 'text', text: { body: m.text } }),
      })),
    } }] }],
  });
}

async function main() {
  const benchDb = await createBenchDatabase();
  const cleanups = cleanupsOnInterrupt(() => benchDb.drop());
  const results: Record<string, number> = {};
  try {
    const env = {
      NODE_ENV: 'production', HOST: '127.0.0.1', DATABASE_URL: benchDb.url, REDIS_URL,
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'bench-secret-key-0123456789abcdef01234567',
      HUB_ADMIN_EMAIL: 'bench@hub.test', HUB_ADMIN_PASSWORD: 'bench-password', HUB_DEMO: '0', LOG_LEVEL: 'warn', QUEUE_PREFIX: `bench-${randomId()}`,
      // The channels' Graph base is a closed loopback port (nothing is sent): allowed past the fetch guard.
      HUB_FETCH_ALLOW: '127.0.0.1',
      DATA_DIR: `/tmp/hub-bench-${randomId()}`,
      // A delivery of ~6,700 reactions is about 1.6 MB.
      BODY_LIMIT_BYTES: String(8 * 1024 * 1024),
    };
    const hub = await startHubProcess({ ...env, ROLE: 'api', PORT: String(await freePort()) });
    cleanups.push(() => hub.stop());
    const worker = await startHubProcess({ ...env, ROLE: 'worker', LOG_LEVEL: 'info', PORT: String(await freePort()) });
    cleanups.push(() => worker.stop());
    setPriority(worker.child.pid!, Number(process.env.BENCH_WORKER_NICE ?? 10));
    log(`hub: API process on ${hub.url}, worker process pid ${worker.child.pid}`);

    const db = new pg.Client({ connectionString: benchDb.url });
    await db.connect();
    cleanups.push(() => db.end());
    const http = httpClient(hub.url, 64);
    const api = async (method: string, path: string, body?: unknown, token?: string) => {
      const r = await http(method, path, body ? JSON.stringify(body) : '', { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) });
      return JSON.parse(r.body || '{}');
    };
    const { token: tokenA } = await api('POST', '/api/auth/login', { email: 'bench@hub.test', password: 'bench-password' });
    await api('POST', '/api/organizations', { name: 'Org B', admin: { email: 'b@hub.test', password: 'bench-password-b' } }, tokenA);
    const { token: tokenB } = await api('POST', '/api/auth/login', { email: 'b@hub.test', password: 'bench-password-b' });
    const channel = (token: string, phoneNumberId: string) =>
      api('POST', '/api/channels', { kind: 'whatsapp_cloud', name: `WA ${phoneNumberId}`, credentials: { phoneNumberId, accessToken: 'bench', appSecret: APP_SECRET, apiBaseUrl: 'http://127.0.0.1:9' } }, token);
    const [chA, chB] = [await channel(tokenA, PHONE_A), await channel(tokenB, PHONE_B)];
    for (const ch of [chA, chB]) if (!ch.id) throw new Error(`channel not created: ${JSON.stringify(ch)}`);
    const post = (ch: { id: string }, body: string) => http('POST', `/webhooks/${ch.id}`, body, { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) });
    const count = async (like: string) => Number((await db.query('select count(*) from messages where content like $1', [like])).rows[0].count);

    // Organization A's 200 messages the flood reacts to; B's conversations, open at B's agent.
    const TARGETS = 200;
    for (let i = 0; i < TARGETS; i += 50) {
      await post(chA, waBody(PHONE_A, Array.from({ length: 50 }, (_, k) => ({ from: waId(i + k), id: `wamid.a.${i + k}`, text: `a-seed-${i + k}` }))));
    }
    for (let i = 0; i < 20; i++) await post(chB, waBody(PHONE_B, [{ from: waId(9000 + i), id: `wamid.b.seed.${i}`, text: `b-seed-${i}` }]));
    const seedDeadline = Date.now() + 60_000;
    while ((await count('a-seed-%')) < TARGETS || (await count('b-seed-%')) < 20) {
      if (Date.now() > seedDeadline) throw new Error('the seed messages were not stored within 60 s');
      await sleep(100);
    }
    const agent = await connectAgent(hub.url, tokenB);
    cleanups.push(() => agent.close());

    const sentAt = new Map<string, number>();
    const seen = new Map<string, number>();
    agent.on('conversation_updated', (c: any) => {
      for (const x of Array.isArray(c) ? c : [c]) {
        const t = sentAt.get(x.lastMessage?.content);
        if (t !== undefined && !seen.has(x.lastMessage.content)) seen.set(x.lastMessage.content, performance.now() - t);
      }
    });
    const acks: number[] = [];
    /** B's customers write `n` messages, 10 a second; resolves with each one's delay. */
    const trickle = async (tag: string, n: number) => {
      acks.length = 0;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const text = `${tag}-${i}`;
        sentAt.set(text, performance.now());
        const t = performance.now();
        sends.push(post(chB, waBody(PHONE_B, [{ from: waId(9000 + (i % 20)), id: `wamid.b.${tag}.${i}`, text }])).then(() => acks.push(performance.now() - t)));
        await sleep(100);
      }
      await Promise.all(sends);
      const deadline = Date.now() + 60_000;
      const tags = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
      while (tags.some((t) => !seen.has(t)) && Date.now() < deadline) await sleep(50);
      return tags.map((t) => seen.get(t) ?? Infinity);
    };

    log('organization B alone: 30 messages at 10/s …');
    const quiet = await trickle('quiet', 30);
    results.quietP50Ms = round(percentile(quiet, 50), 1);
    results.quietMaxMs = round(Math.max(...quiet), 1);
    log(`  POST to conversation_updated: p50 ${results.quietP50Ms} ms, max ${results.quietMaxMs} ms`);

    const per = Math.ceil(FLOOD_REACTIONS / FLOOD_DELIVERIES);
    const floods = Array.from({ length: FLOOD_DELIVERIES }, (_, d) => waBody(PHONE_A, Array.from({ length: Math.min(per, FLOOD_REACTIONS - d * per) }, (_, k) => {
      const n = d * per + k;
      return { from: waId(1000 + (n % 5000)), id: `wamid.flood.${n}`, reaction: { message_id: `wamid.a.${n % TARGETS}`, emoji: ['👍', '❤️', '😂', '🙏'][n % 4]! } };
    })));
    log(`organization A's flood: ${FLOOD_REACTIONS} reactions in ${FLOOD_DELIVERIES} deliveries (${round(floods[0]!.length / 1e6, 2)} MB each), while B writes 30 messages at 10/s …`);
    const floodStart = performance.now();
    const floodPosts = floods.map((b) => post(chA, b));
    const during = await trickle('flood', 30);
    const floodAnswers = await Promise.all(floodPosts);
    if (floodAnswers.some((a) => a.status !== 200)) throw new Error(`flood refused: ${floodAnswers.map((a) => a.status).join(', ')}`);
    while (Number((await db.query("select count(*) from webhook_events where payload like '%wamid.flood.%'")).rows[0].count) < FLOOD_DELIVERIES) await sleep(100);
    results.floodAppliedS = round((performance.now() - floodStart) / 1000, 1);
    const reacted = Number((await db.query("select count(*) from messages where metadata ? 'reactions' and content like 'a-seed-%'")).rows[0].count);
    if (process.env.BENCH_VERBOSE) log(`  each: ${during.map((d) => Math.round(d)).join(' ')}\n  acks: ${acks.map((d) => Math.round(d)).join(' ')}`);
    results.duringP50Ms = round(percentile(during, 50), 1);
    results.duringMaxMs = round(Math.max(...during), 1);
    results.extraDelayMaxMs = round(results.duringMaxMs - results.quietP50Ms, 1);
    log(`  B's messages during the flood: p50 ${results.duringP50Ms} ms, max ${results.duringMaxMs} ms (${round(results.extraDelayMaxMs, 0)} ms more than B alone at worst)`);
    log(`  the flood applied in ${results.floodAppliedS} s (${reacted}/${TARGETS} of A's messages carry reactions)`);
  } finally {
    await runCleanups(cleanups);
  }
  console.log(JSON.stringify(results));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
