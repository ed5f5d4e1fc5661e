/**
 * The inbox list, message search and thread history pages read from a real streaming replica
 * (DATABASE_REPLICA_URLS), reads that must be fresh stay on the primary, and a replica that is
 * down costs no answer. Which server answered is proven two ways: the replica's statement log,
 * and replay paused on the replica, so that only the primary has what arrived since.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startReplicaPair, type ReplicaPair } from '../support/postgres-replica.js';
import { TEST_METRICS_TOKEN, startTestHub, type TestHub } from '../support/hub.js';
import { AgentSocket, until } from '../support/agent.js';
import { createWhatsAppChannel, postWebhook, textWebhook, waId, wamid } from '../support/whatsapp.js';

let pair: ReplicaPair;
let hub: TestHub;
/** The owner, who writes; two agents who only read unless a test says otherwise. */
let owner: string;
let reader: string;
let spare: string;
let channelId: string;
let older: string;
let newer: string;

let sent = 0;
const start = Math.floor(Date.now() / 1000) - 600;
/** An inbound message; each a second after the last, so thread order is the order written here. */
async function ingest(n: number, body: string) {
  sent += 1;
  const r = await postWebhook(hub, channelId, textWebhook({ waId: waId(n), name: `Customer ${n}`, id: wamid(`replica-${sent}`), body, timestamp: start + sent }));
  expect(r.status).toBe(200);
}
const list = (token: string) => hub.request('GET', '/api/conversations', { token });
const search = (token: string, q: string) => hub.request('GET', `/api/search/messages?q=${encodeURIComponent(q)}`, { token });
const thread = (token: string, id: string, query = '') => hub.request('GET', `/api/conversations/${id}/messages?limit=2${query}`, { token });
const inList = (r: { body: any }, id: string) => r.body.items.find((c: any) => c.id === id);
/** hub_replica_reads_total for one `answered_by`. */
async function readsAnsweredBy(who: 'replica' | 'primary' | 'fallback'): Promise<number> {
  const r = await hub.request('GET', '/metrics', { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
  return Number(r.text.match(new RegExp(`^hub_replica_reads_total\\{answered_by="${who}"\\} (\\d+)`, 'm'))?.[1] ?? 0);
}

// What each read sends, as it shows in the replica's statement log.
const INBOX_SQL = 'order by c.last_activity desc, c.id desc';
const SEARCH_SQL = "to_tsquery('public.hub_search'::regconfig, $2)";
const THREAD_SQL = 'order by m.timestamp desc, m.seq desc limit $2';
const HISTORY_SQL = 'where conversation_id = $1 and seq = $3)';

beforeAll(async () => {
  pair = await startReplicaPair();
  console.log(`read replica test: ${pair.how}`);
  hub = await startTestHub({ DATABASE_REPLICA_URLS: pair.replica.url() }, { databaseUrl: pair.primary.url() });
  owner = await hub.login();
  for (const [email, name] of [['reader@hub.test', 'Reader'], ['spare@hub.test', 'Spare']]) {
    const r = await hub.request('POST', '/api/users', { token: owner, body: { email, password: 'agent-password-1', name, role: 'agent' } });
    expect(r.status).toBe(201);
  }
  reader = await hub.login('reader@hub.test', 'agent-password-1');
  spare = await hub.login('spare@hub.test', 'agent-password-1');
  channelId = (await createWhatsAppChannel(hub, owner)).id;
  const watcher = await AgentSocket.connect(hub.url!, reader);
  for (const body of ['First about the parcel', 'Second about the parcel', 'Third about the parcel']) await ingest(1, body);
  await ingest(2, 'Another customer entirely');
  older = (await watcher.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Third about the parcel')).id;
  newer = (await watcher.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Another customer entirely')).id;
  watcher.close();
  await pair.caughtUp();
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await pair?.close();
}, 60_000);

describe('reads on a streaming replica', () => {
  it('answers the inbox list, message search and older thread pages from the replica', async () => {
    const mark = pair.replica.logSize();
    const [replicaBefore, primaryBefore] = [await readsAnsweredBy('replica'), await readsAnsweredBy('primary')];
    const l = await list(reader);
    expect(l.status).toBe(200);
    expect(l.body.items.map((c: any) => c.id).sort()).toEqual([older, newer].sort());
    const s = await search(reader, 'parcel');
    expect(s.body.items).toHaveLength(3);
    const latest = await thread(reader, older);
    expect(latest.body.items.map((m: any) => m.content)).toEqual(['Second about the parcel', 'Third about the parcel']);
    const history = await thread(reader, older, `&before=${latest.body.items[0].seq}`);
    expect(history.body.items.map((m: any) => m.content)).toEqual(['First about the parcel']);

    const seen = pair.replica.logSince(mark);
    expect(seen).toContain(INBOX_SQL);
    expect(seen).toContain(SEARCH_SQL);
    expect(seen).toContain(HISTORY_SQL);
    // The newest page was not read there: the one thread query the replica ran is the history page.
    expect(seen.split(THREAD_SQL).length - 1).toBe(1);
    expect(await readsAnsweredBy('replica')).toBe(replicaBefore + 3);
    expect(await readsAnsweredBy('primary')).toBe(primaryBefore);
  });

  it("keeps a thread's newest page and its catch-up on the primary", async () => {
    const mark = pair.replica.logSize();
    const latest = await thread(reader, older);
    expect(latest.status).toBe(200);
    const after = await thread(reader, older, `&after=${latest.body.items[0].seq}`);
    expect(after.body.items.map((m: any) => m.content)).toEqual(['Third about the parcel']);
    expect(pair.replica.logSince(mark)).not.toContain('from messages m where m.conversation_id = $1');
  });

  it('lags while replay is paused, except for what must be fresh: live pushes, the newest page, and an agent who just wrote', async () => {
    const readerSocket = await AgentSocket.connect(hub.url!, reader);
    await pair.pauseReplay();
    try {
      await ingest(2, 'A zebrafish question, only on the primary');
      // The live push is built on the primary.
      await readerSocket.waitFor('conversation_updated', (c) => c.id === newer && c.lastMessage?.content.includes('zebrafish'));

      // An agent who changed nothing reads the replica: the list and search lag behind.
      const stale = await list(reader);
      expect(inList(stale, newer).lastMessage.content).toBe('Another customer entirely');
      expect((await search(reader, 'zebrafish')).body.items).toEqual([]);
      const overSocket = await readerSocket.call('load_conversations', {});
      expect(overSocket.ok).toBe(true);
      expect(inList({ body: overSocket.data }, newer).lastMessage.content).toBe('Another customer entirely');
      // The newest page of a thread is always the primary's.
      expect((await thread(reader, newer)).body.items.at(-1).content).toContain('zebrafish');

      // The owner marks it read (a write over REST): from now on their reads come from the primary.
      expect((await hub.request('POST', `/api/conversations/${newer}/read`, { token: owner })).status).toBe(200);
      const fresh = inList(await list(owner), newer);
      expect(fresh.lastMessage.content).toContain('zebrafish');
      expect(fresh.unreadCount).toBe(0);
      expect((await search(owner, 'zebrafish')).body.items).toHaveLength(1);
      // Still not the reader's.
      const stillStale = inList(await list(reader), newer);
      expect(stillStale.lastMessage.content).toBe('Another customer entirely');
      expect(stillStale.unreadCount).toBeGreaterThan(0);

      // A write over the socket does the same for the reader.
      expect((await readerSocket.call('mark_as_read', { conversationId: older })).ok).toBe(true);
      const afterWrite = await readerSocket.call('load_conversations', {});
      expect(inList({ body: afterWrite.data }, newer).lastMessage.content).toContain('zebrafish');
      expect(inList({ body: afterWrite.data }, older).unreadCount).toBe(0);
    } finally {
      readerSocket.close();
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    // Replay resumed: an agent who never wrote sees it all from the replica.
    const mark = pair.replica.logSize();
    expect(inList(await list(spare), newer).lastMessage.content).toContain('zebrafish');
    expect((await search(spare, 'zebrafish')).body.items).toHaveLength(1);
    expect(pair.replica.logSince(mark)).toContain(INBOX_SQL);
  });

  it('reads on the primary, with a warning, when the replica refuses the hub (a wrong database here)', async () => {
    const wrong = new URL(pair.replica.url());
    wrong.pathname = '/no_such_database';
    const second = await startTestHub({ DATABASE_REPLICA_URLS: wrong.toString(), ROLE: 'api' }, { databaseUrl: pair.primary.url() });
    try {
      const token = await second.login('spare@hub.test', 'agent-password-1');
      const r = await second.request('GET', '/api/conversations', { token });
      expect(r.status).toBe(200);
      expect(r.body.items).toHaveLength(2);
      expect(second.logs()).toContain('read replica failed; reading on the primary');
    } finally {
      await second.close();
    }
  });

  it('keeps answering on the primary while the replica is down', async () => {
    await pair.replica.stop('immediate');
    await ingest(1, 'Fourth about the parcel, replica down');
    const l = await until(() => list(spare), (r) => r.status === 200 && inList(r, older).lastMessage.content === 'Fourth about the parcel, replica down');
    expect(l.body.items).toHaveLength(2);
    const s = await search(spare, 'parcel');
    expect(s.status).toBe(200);
    expect(s.body.items).toHaveLength(4);
    const latest = await thread(spare, older);
    const history = await thread(spare, older, `&before=${latest.body.items[0].seq}`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((m: any) => m.content)).toEqual(['First about the parcel', 'Second about the parcel']);
    expect(hub.logs()).toContain('read replica failed; reading on the primary');
    expect(await readsAnsweredBy('fallback')).toBeGreaterThanOrEqual(1);
  });

  it('goes back to the replica once it is up again', async () => {
    await pair.replica.start();
    await pair.caughtUp();
    const mark = pair.replica.logSize();
    // Tried again once the pause after its failure is over.
    await until(() => list(spare), () => pair.replica.logSince(mark).includes(INBOX_SQL), 15_000, 250);
    expect(inList(await list(spare), older).lastMessage.content).toBe('Fourth about the parcel, replica down');
  }, 30_000);
});

describe('DATABASE_REPLICA_URLS', () => {
  const env = (list?: string) => ({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-config-')), ...(list === undefined ? {} : { DATABASE_REPLICA_URLS: list }) });

  it('is a comma list of postgresql:// URLs, none by default', () => {
    expect(loadConfig(env()).databaseReplicaUrls).toEqual([]);
    expect(loadConfig(env(' postgresql://hub@r1:5432/hub, postgres://hub:pw@r2/hub ,')).databaseReplicaUrls).toEqual(['postgresql://hub@r1:5432/hub', 'postgres://hub:pw@r2/hub']);
  });

  it('refuses anything else, naming the entry by its place and never repeating it (it may hold a password)', () => {
    const attempt = () => loadConfig(env('postgresql://hub@r1/hub,mysql://hub:hunter2@r2/hub'));
    expect(attempt).toThrow(ConfigError);
    const message = (() => { try { attempt(); } catch (e) { return (e as Error).message; } })();
    expect(message).toMatch(/DATABASE_REPLICA_URLS: entry 2 is not a postgresql:\/\/ URL/);
    expect(message).not.toContain('hunter2');
  });
});
