import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../../mikro-orm.config.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { startEmbeddedRedis } from '../../src/infra/embedded-redis.js';
import { createLogger } from '../../src/logger.js';
import { z } from 'zod';
import * as wire from '../../contract/wire.js';
import { MESSAGE_STATUSES } from '../../contract/message-status.js';
import { withSql } from '../../src/db/sql.js';
import { TEST_METRICS_TOKEN, createTestDatabase, startTestHub, type TestHub } from '../support/hub.js';
// After the hub: its routes' schemas need zod extended by @hono/zod-openapi first.
import { connectorContext } from '../../src/pipeline/connector-context.js';
import { SafeFetcher } from '../../src/security/safe-fetch.js';
import type { Deps } from '../../src/context.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

describe('migrations', () => {
  it('run up from an empty database and match the entities exactly', async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const orm = await MikroORM.init(ormConfig(db.url));
    try {
      const applied = await orm.getMigrator().up();
      expect(applied.map((m) => m.name)).toContain('Migration20261121000000_initial');
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
      const tables = await orm.em.getConnection().execute("select tablename from pg_tables where schemaname = 'public' order by 1");
      expect(tables.map((t: any) => t.tablename)).toEqual(expect.arrayContaining(['organizations', 'users', 'channels', 'prospects', 'clients', 'conversations', 'messages', 'attachments', 'notes', 'quotes', 'bot_prompts', 'webhook_events']));
      // Whatever the entities declare is already in the migration: nothing left to generate.
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      // SQL's status order is the contract's (contract/message-status.ts), failed highest.
      const ranks = await withSql(orm, (sql) => sql.query('select message_status_rank(s) as rank from unnest($1::text[]) with ordinality u(s, n) order by n', [[...MESSAGE_STATUSES, 'bogus']]));
      expect(ranks.map((r: any) => r.rank)).toEqual([...MESSAGE_STATUSES.map((_, i) => i + 1), null]);
    } finally {
      await orm.close();
    }
  });
});

describe('configuration', () => {
  it('gives connectors the platform timeouts of GRAPH_TIMEOUT_MS and GRAPH_DOWNLOAD_TIMEOUT_MS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-cfg-'));
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }).connectorTimeouts).toEqual({ apiMs: 15_000, downloadMs: 60_000 });
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, GRAPH_TIMEOUT_MS: '1500', GRAPH_DOWNLOAD_TIMEOUT_MS: '2500' });
    const fetcher = new SafeFetcher(config.fetch);
    expect(connectorContext({ config, publicUrl: 'https://hub.example.com', fetcher } as unknown as Deps, 'ch-1').timeouts).toEqual({ apiMs: 1500, downloadMs: 2500 });
    await fetcher.close();
    expect(() => loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, GRAPH_TIMEOUT_MS: '0' })).toThrow(/GRAPH_TIMEOUT_MS/);
  });

  it('refuses to start in production without secrets, naming them', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET, HUB_SECRET_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })).toThrow(/HUB_SECRET_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short', HUB_SECRET_KEY: 'y'.repeat(40) })).toThrow(/JWT_SECRET/);
  });

  it('generates development secrets once and keeps them in the data folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-cfg-'));
    const a = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    const b = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(a.jwtSecret).toHaveLength(43);
    expect(a.jwtSecret).toBe(b.jwtSecret);
    expect(a.secretKey).toBe(b.secretKey);
    expect(a.jwtSecret).not.toBe(a.secretKey);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).JWT_SECRET).toBe(a.jwtSecret);
  });
});

describe('readiness', () => {
  it('/readyz turns 503 when Redis becomes unreachable, and /healthz stays up', async () => {
    const redis = await startEmbeddedRedis(mkdtempSync(join(tmpdir(), 'hub-redis-')), createLogger('silent'));
    cleanups.push(redis.stop); // also when an assertion fails before the test stops it
    const hub = await startTestHub({ ROLE: 'api' }, { redisUrl: redis.url });
    cleanups.push(() => hub.close().catch(() => undefined));
    expect((await hub.request('GET', '/readyz')).status).toBe(200);
    await redis.stop();
    const r = await hub.request('GET', '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.checks).toEqual({ database: 'ok', redis: 'down' });
    expect((await hub.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('sockets and docs', () => {
  let hub: TestHub;
  it('refuses a socket with a bad token at the handshake and accepts a good one', async () => {
    hub = await startTestHub({ ROLE: 'api' });
    cleanups.push(() => hub.close());
    const attempt = (auth: Record<string, unknown>) =>
      new Promise<{ ok: boolean; error?: any }>((resolve) => {
        const s = connect(hub.url!, { auth, transports: ['websocket'], reconnection: false });
        s.on('connect', () => { s.close(); resolve({ ok: true }); });
        s.on('connect_error', (e: any) => { s.close(); resolve({ ok: false, error: e }); });
      });
    const bad = await attempt({ token: 'not.a.token' });
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toBe('unauthorized');
    expect((await attempt({})).ok).toBe(false);
    expect((await attempt({ token: await hub.login() })).ok).toBe(true);
  });

  it('serves OpenAPI, the docs page and Prometheus metrics', async () => {
    const spec = await hub.request('GET', '/openapi.json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/channels', '/api/channels/{id}', '/api/users', '/api/organizations']));
    expect((await hub.request('GET', '/docs')).text).toContain('swagger');
    const metrics = await hub.request('GET', '/metrics', { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(metrics.text).toContain('hub_http_request_duration_seconds');
  });

  it("describes the main responses with the contract's schemas, and its answers fit them", async () => {
    const spec = (await hub.request('GET', '/openapi.json')).body;
    const schemaOf = (path: string, method: string, status: string) => spec.paths[path][method].responses[status].content['application/json'].schema;
    expect(Object.keys(schemaOf('/api/conversations', 'get', '200').properties.items.items.properties)).toEqual(Object.keys(wire.Conversation.shape));
    expect(schemaOf('/api/conversations/{id}/messages', 'get', '200').properties.items.items.properties.status.enum).toEqual([...MESSAGE_STATUSES]);
    for (const [path, method, status] of [['/api/prospects', 'get', '200'], ['/api/clients/{id}', 'get', '200'], ['/api/clients/{id}/notes', 'post', '201'],
      ['/api/channels', 'get', '200'], ['/api/users', 'get', '200'], ['/api/me', 'get', '200']]) expect(schemaOf(path!, method!, status!).type).toMatch(/object|array/);
    const token = await hub.login();
    expect(wire.User.safeParse((await hub.request('GET', '/api/me', { token })).body).error).toBeUndefined();
    expect(z.array(wire.User).safeParse((await hub.request('GET', '/api/users', { token })).body).error).toBeUndefined();
    const created = await hub.request('POST', '/api/clients', { token, body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } });
    expect(wire.ClientSummary.safeParse(created.body).error).toBeUndefined();
    const note = await hub.request('POST', `/api/clients/${created.body.id}/notes`, { token, body: { content: 'Prefers email' } });
    expect(wire.Note.safeParse(note.body).error).toBeUndefined();
    expect(wire.Client.safeParse((await hub.request('GET', `/api/clients/${created.body.id}`, { token })).body).error).toBeUndefined();
  });

  it('answers unknown routes and oversized bodies with JSON errors', async () => {
    const nf = await hub.request('GET', '/api/nothing-here');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
    const big = await hub.request('POST', '/api/auth/login', { body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });
});
