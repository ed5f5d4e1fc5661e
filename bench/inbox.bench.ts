/**
 * `npm run bench:inbox`: the inbox at size. Seeds BENCH_MESSAGES (1,000,000) messages in
 * BENCH_CONVERSATIONS (100,000) conversations with generate_series in SQL, into a database of
 * its own, then measures through the HTTP API of a started hub (sequential requests, one agent):
 * the conversation list (first page and a page further by cursor), a thread page, and searches
 * (a surname without its accent, an invoice number by trigram, a word prefix).
 * Prints the data size, p50/p95 of each and the EXPLAIN plans' index use, then one JSON line.
 * Targets on a 2-core machine: p95 < 20 ms list and thread, < 50 ms search.
 */
import pg from 'pg';
import { freePort } from '../src/infra/free-port.js';
import { prefixQuery, containsPattern, searchMessages } from '../src/db/search.js';
import { CONVERSATION_COLUMNS, CONVERSATION_FROM } from '../src/db/conversations.js';
import { MESSAGE_COLUMNS } from '../src/db/messages.js';
import type { Sql } from '../src/db/sql.js';
import { encodeCursor } from '../src/domain/cursor.js';
import { cleanupsOnInterrupt, createBenchDatabase, httpClient, percentile, randomId, round, runCleanups, startHubProcess } from './lib.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const log = (...a: unknown[]) => console.log(...a);

const FIRST = ['Ana', 'Liam', 'Mira', 'Jean', 'Zoë', 'Tomás', 'Noah', 'Emma', 'Lukas', 'Sofía', 'Oliver', 'Ines', 'Mateo', 'Chloé', 'Jakub', 'Aiko', 'Omar', 'Léa', 'Ivan', 'Nora'];
const LAST = ['Souza', 'Walker', 'Kovač', 'Dupont', 'Müller', 'Dvořák', 'García', 'Nowak', 'Rossi', 'Novák', 'Jensen', 'Łukasiewicz', 'Smith', 'Fernández', 'Öztürk', 'Silva', 'Horvat', 'Brown', 'Petit', 'Schäfer',
  'Larsen', 'Moreau', 'Costa', 'Janssen', 'Wójcik', 'Bianchi', 'Kowalski', 'Martin', 'Lefèvre', 'Sato'];
const WORDS = `hello thanks order delivery price shipping invoice refund size color stock available tomorrow today please
  help question payment card bank transfer address street city package tracking number week return exchange broken
  damaged receipt discount coupon code account password login email phone call later morning evening weekend store
  open close hours product quality warranty repair replace cancel subscription plan upgrade monthly yearly quote`.split(/\s+/).filter(Boolean);

const lit = (xs: string[]) => `array[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;

async function seed(db: pg.Client) {
  const [{ id: orgId }] = (await db.query('select id from organizations limit 1')).rows;
  const perConversation = Math.max(1, Math.round(MESSAGES / CONVERSATIONS));
  await db.query(`set synchronous_commit = off; set maintenance_work_mem = '256MB'; select setseed(0.42)`);
  const t0 = performance.now();
  const { rows: [channel] } = await db.query(
    `insert into channels (id, created_at, updated_at, organization_id, kind, platform, name, status, credentials)
     values (gen_random_uuid(), now(), now(), $1, 'whatsapp_cloud', 'whatsapp', 'Bench WhatsApp', 'disabled', 'bench') returning id`, [orgId]);
  await db.query(
    `insert into prospects (id, created_at, updated_at, organization_id, channel_id, platform, external_id, identifier, identifier_type, name)
     select gen_random_uuid(), now(), now(), $1, $2, 'whatsapp', 'wa' || i, '+1555' || lpad(i::text, 7, '0'), 'phone',
            (${lit(FIRST)})[1 + i % ${FIRST.length}] || ' ' || (${lit(LAST)})[1 + (i / ${FIRST.length}) % ${LAST.length}]
     from generate_series(1, $3) i`, [orgId, channel.id, CONVERSATIONS]);
  // One conversation per prospect; activity spread over a year, newest last.
  await db.query(
    `insert into conversations (id, created_at, updated_at, organization_id, channel_id, prospect_id, platform, status, last_activity, last_inbound_at, unread_count)
     select gen_random_uuid(), now(), now(), $1, $2, p.id, 'whatsapp', case when i % 5 = 0 then 'closed' else 'active' end,
            now() - ((${CONVERSATIONS} - i) * interval '5 minutes'), now() - ((${CONVERSATIONS} - i) * interval '5 minutes'), i % 3
     from (select id, row_number() over (order by external_id) as i from prospects where channel_id = $2) p`, [orgId, channel.id]);
  const tPeople = performance.now();

  // The search indexes are built once after the load (what a restore does), with their own definitions.
  const { rows: searchIndexes } = await db.query(`select indexname, indexdef from pg_indexes where tablename = 'messages' and indexname in ('messages_search_fts_idx', 'messages_search_trgm_idx', 'messages_org_time_idx')`);
  for (const ix of searchIndexes) await db.query(`drop index ${ix.indexname}`);
  await db.query(
    `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, external_id, direction, sender_type, sender_id,
                           content, message_type, platform, timestamp, status)
     select gen_random_uuid(), now(), now(), $1, $2, c.id, 'wamid.' || c.n || '.' || k,
            case when k % 2 = 1 then 'in' else 'out' end, case when k % 2 = 1 then 'prospect' else 'agent' end,
            case when k % 2 = 1 then c.prospect_id::text else 'agent' end,
            case
              when k = 1 then 'Hi, this is ' || p.name || '. ' || (${lit(WORDS)})[1 + (c.n * 7 + k) % ${WORDS.length}] || ' ' || (${lit(WORDS)})[1 + (c.n * 13) % ${WORDS.length}] || '?'
              when k = 3 then 'My invoice INV-' || lpad((c.n * 37 % 1000000)::text, 6, '0') || ' shows the wrong ' || (${lit(WORDS)})[1 + (c.n * 3) % ${WORDS.length}]
              else array_to_string(array(select (${lit(WORDS)})[1 + floor(random() * ${WORDS.length})::int] from generate_series(1, 4 + (c.n + k) % 9) w where k > 0), ' ')
            end,
            'text', 'whatsapp', c.last_activity - ((${perConversation} - k) * interval '1 minute'),
            case when k % 2 = 1 then 'delivered' else 'read' end
     from (select id, prospect_id, last_activity, row_number() over (order by last_activity) as n from conversations where channel_id = $2) c
     join prospects p on p.id = c.prospect_id
     cross join generate_series(1, ${perConversation}) k`, [orgId, channel.id]);
  const tMessages = performance.now();
  for (const ix of searchIndexes) await db.query(ix.indexdef);
  const tIndexes = performance.now();
  await db.query(`update conversations c set last_message = jsonb_build_object('content', m.content, 'senderType', m.sender_type, 'messageType', 'text', 'timestamp', m.timestamp)
                  from (select distinct on (conversation_id) conversation_id, content, sender_type, timestamp from messages order by conversation_id, timestamp desc, seq desc) m
                  where m.conversation_id = c.id`);
  await db.query('vacuum analyze prospects, conversations, messages');
  const tDone = performance.now();
  const seconds = (a: number, b: number) => round((b - a) / 1000);
  return {
    orgId, channelId: channel.id as string,
    timings: { peopleS: seconds(t0, tPeople), messagesS: seconds(tPeople, tMessages), searchIndexesS: seconds(tMessages, tIndexes), lastMessageAndAnalyzeS: seconds(tIndexes, tDone) },
  };
}

async function sizes(db: pg.Client) {
  const mb = (b: string | number) => round(Number(b) / 1024 / 1024);
  const { rows: [s] } = await db.query(`select pg_database_size(current_database()) as db, pg_table_size('messages') as messages,
    pg_indexes_size('messages') as message_indexes, pg_total_relation_size('conversations') as conversations,
    (select count(*) from messages) as message_count, (select count(*) from conversations) as conversation_count`);
  const { rows: ix } = await db.query(`select indexrelname as name, pg_relation_size(indexrelid) as bytes from pg_stat_user_indexes where relname in ('messages', 'conversations') order by bytes desc`);
  return {
    messages: Number(s.message_count), conversations: Number(s.conversation_count),
    databaseMb: mb(s.db), messagesTableMb: mb(s.messages), messageIndexesMb: mb(s.message_indexes), conversationsMb: mb(s.conversations),
    indexes: Object.fromEntries(ix.map((r) => [r.name, mb(r.bytes)])),
  };
}

/** The index names a plan uses, and whether it falls back to a sequential scan of a big table. */
async function planOf(db: pg.Client, text: string, params: unknown[]) {
  const rows = (await db.query(`explain (analyze, buffers, format text) ${text}`, params)).rows.map((r) => r['QUERY PLAN'] as string);
  const plan = rows.join('\n');
  return {
    indexes: [...new Set([...plan.matchAll(/(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)/g)].map((m) => m[1]!))],
    seqScans: [...new Set([...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!))],
    executionMs: Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1]),
    plan,
  };
}

async function explainAll(db: pg.Client, orgId: string, conversationId: string, cursor: [string, string], q: string) {
  // The same statements the API runs (src/domain/conversations.ts, src/db/search.ts).
  const list = await planOf(db, `select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where c.organization_id = $1
    and (c.last_activity, c.id) < ($2::timestamptz, $3::uuid) order by c.last_activity desc, c.id desc limit 31`, [orgId, ...cursor]);
  const thread = await planOf(db, `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 order by m.timestamp desc, m.seq desc limit 51`, [conversationId]);
  // Finding nothing among the newest messages, the search takes its second look: both plans are printed.
  const searches: Awaited<ReturnType<typeof planOf>>[] = [];
  const explaining: Sql = { query: async (text, params) => { searches.push(await planOf(db, text, params ?? [])); return []; } };
  await searchMessages(explaining, orgId, q, 20);
  const [searchRecent, searchIndexed] = searches;
  return { list, thread, 'search (newest messages)': searchRecent!, 'search (indexes)': searchIndexed! };
}

async function main() {
  const benchDb = await createBenchDatabase();
  // BENCH_KEEP_DB=1 leaves the seeded database in place (its URL printed) for looking at plans by hand.
  const keep = Boolean(process.env.BENCH_KEEP_DB);
  const cleanups = cleanupsOnInterrupt(() => (keep ? log(`kept ${benchDb.url}`) : benchDb.drop()));
  try {
    const hub = await startHubProcess({
      NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_URL: benchDb.url, REDIS_URL, ROLE: 'api',
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789', HUB_SECRET_KEY: 'bench-secret-key-0123456789abcdef01234567',
      HUB_ADMIN_EMAIL: 'bench@hub.test', HUB_ADMIN_PASSWORD: 'bench-password', HUB_DEMO: '0', LOG_LEVEL: 'warn', QUEUE_PREFIX: `bench-${randomId()}`,
      DATA_DIR: `/tmp/hub-bench-${randomId()}`,
    });
    cleanups.push(() => hub.stop());
    const db = new pg.Client({ connectionString: benchDb.url });
    await db.connect();
    cleanups.push(() => db.end());

    log(`seeding ${MESSAGES.toLocaleString('en')} messages in ${CONVERSATIONS.toLocaleString('en')} conversations…`);
    const seeded = await seed(db);
    log('seed timings (s):', seeded.timings);
    const size = await sizes(db);
    log(`data: ${size.messages.toLocaleString('en')} messages, ${size.conversations.toLocaleString('en')} conversations; database ${size.databaseMb} MB (messages ${size.messagesTableMb} MB + indexes ${size.messageIndexesMb} MB, conversations ${size.conversationsMb} MB)`);
    log('index sizes (MB):', size.indexes);

    const http = httpClient(hub.url, 4);
    const login = await http('POST', '/api/auth/login', JSON.stringify({ email: 'bench@hub.test', password: 'bench-password' }), { 'content-type': 'application/json' });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${login.body}`);
    const auth = { authorization: `Bearer ${JSON.parse(login.body).token}` };
    const get = async (path: string) => {
      const t = performance.now();
      const r = await http('GET', path, '', auth);
      const ms = performance.now() - t;
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 300)}`);
      return { ms, body: JSON.parse(r.body) };
    };

    const { rows: convs } = await db.query(`select id from conversations order by random() limit ${SAMPLES}`);
    const { rows: [deep] } = await db.query(`select last_activity, id from conversations order by last_activity desc, id desc offset ${Math.floor(CONVERSATIONS / 2)} limit 1`);
    const cursor = encodeCursor([new Date(deep.last_activity).toISOString(), deep.id]);
    // A cursor as the API hands them out (the second page), to page further down the list too.
    const second = (await get('/api/conversations?limit=30')).body.nextCursor as string;
    // A surname without its accent, another, an invoice number (the 11th conversation's), a word prefix, two words.
    const terms = ['kovac', 'dvorak', 'INV-000407', 'subscr', 'muller refund'];
    const measure = async (paths: () => string, n = SAMPLES) => {
      for (let i = 0; i < 10; i++) await get(paths()); // warm-up
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const r = await get(paths());
        times.push(r.ms);
        hits += r.body.items.length;
      }
      return { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), max: round(Math.max(...times)), avgItems: round(hits / n) };
    };
    let i = 0;
    const figures = {
      listFirstPage: await measure(() => '/api/conversations?limit=30'),
      listNextPage: await measure(() => `/api/conversations?limit=30&cursor=${encodeURIComponent(i++ % 2 ? second : cursor)}`),
      thread: await measure(() => `/api/conversations/${convs[i++ % convs.length].id}/messages?limit=50`),
      search: await measure(() => `/api/search/messages?q=${encodeURIComponent(terms[i++ % terms.length]!)}`),
      searchByTerm: {} as Record<string, unknown>,
    };
    for (const t of terms) figures.searchByTerm[t] = await measure(() => `/api/search/messages?q=${encodeURIComponent(t)}`, 40);
    log('conversation list, first page:', figures.listFirstPage);
    log('conversation list, by cursor:', figures.listNextPage);
    log('thread page (50 messages):', figures.thread);
    log(`search (${terms.join(' | ')}):`, figures.search);
    for (const [t, f] of Object.entries(figures.searchByTerm)) log(`  search ${JSON.stringify(t)} (fts ${JSON.stringify(prefixQuery(t))}, trigram ${JSON.stringify(containsPattern(t))}): ${JSON.stringify(f)}`);

    const plans = await explainAll(db, seeded.orgId, convs[0].id, [new Date(deep.last_activity).toISOString(), deep.id], 'kovac');
    for (const [name, p] of Object.entries(plans)) {
      log(`EXPLAIN ${name}: indexes ${p.indexes.join(', ') || 'none'}; sequential scans: ${p.seqScans.join(', ') || 'none'}; ${p.executionMs} ms`);
      if (process.env.BENCH_PLANS) log(p.plan);
    }
    const targets = { listP95Under20: Math.max(figures.listFirstPage.p95, figures.listNextPage.p95) < 20, threadP95Under20: figures.thread.p95 < 20, searchP95Under50: figures.search.p95 < 50 };
    log('targets met:', targets);
    log(JSON.stringify({ bench: 'inbox', size: { ...size, indexes: undefined }, seed: seeded.timings, ...figures, plans: Object.fromEntries(Object.entries(plans).map(([k, p]) => [k, { indexes: p.indexes, seqScans: p.seqScans }])), targets }));
  } finally {
    await runCleanups(cleanups);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
