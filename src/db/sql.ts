import type { MikroORM } from '@mikro-orm/postgresql';
import type { PoolClient, QueryResultRow } from 'pg';

export type Sql = {
  query<R extends QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]>;
};

/**
 * Raw SQL on one of MikroORM's pooled pg connections, for the hot paths (batched ingest,
 * inbox lists) where arrays as parameters (`= any($1)`, `unnest`) beat the ORM's unit of work.
 */
export function withSql<T>(orm: MikroORM, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return onConnection(orm, 'write', fn);
}

/**
 * The same on a read replica (a random one of MikroORM's `replicas`), or on the primary when
 * none is configured. What it reads may lag behind the primary by the replication delay, so
 * only reads that may be a moment old come here, chosen by src/domain/replica-reads.ts.
 */
export function withReadSql<T>(orm: MikroORM, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return onConnection(orm, 'read', fn);
}

/** Whether reads can go to a replica at all. */
export const hasReplicas = (orm: MikroORM) => (orm.config.get('replicas') ?? []).length > 0;

async function onConnection<T>(orm: MikroORM, type: 'read' | 'write', fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = orm.em.getConnection(type).getKnex().client;
  const conn = (await client.acquireConnection()) as PoolClient;
  try {
    return await fn({ query: async (text, params) => (await conn.query(text, params as any[])).rows });
  } finally {
    await client.releaseConnection(conn);
  }
}

/** Single statements outside a transaction: each query on a pooled connection of its own. */
export const sqlOf = (orm: MikroORM): Sql => ({ query: (text, params) => withSql(orm, (sql) => sql.query(text, params)) });

/** One transaction on one connection; rolls back on any error. */
export function inTransaction<T>(orm: MikroORM, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withSql(orm, async (sql) => {
    await sql.query('begin');
    try {
      const result = await fn(sql);
      await sql.query('commit');
      return result;
    } catch (e) {
      await sql.query('rollback').catch(() => undefined);
      throw e;
    }
  });
}

/** A lone UTF-16 surrogate as JSON.stringify writes it (`\udXXX`, not after an escaped backslash). */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * A value as JSON for a json or jsonb parameter. Postgres refuses the escape JSON.stringify
 * writes for a lone surrogate (half an emoji, from a platform that cut a text in UTF-16): the
 * whole statement would fail, a batch's worth of messages with it. It becomes U+FFFD, as pg's
 * UTF-8 encoding of a text parameter makes it.
 *
 * Also the one parameter of `json_to_recordset($1::json) u(column type, …)` where rows carry
 * large texts (raw payloads): pg turns a text[] parameter into an array literal in JavaScript,
 * escaping each element with copies of it, for a kilobyte's payload six times the CPU of
 * JSON.stringify for the same work in Postgres. Rows of short values stay arrays
 * (`unnest($1::uuid[], …)`): there json_to_recordset costs Postgres four times array input
 * (~10 µs a row of 15 columns, measured) and saves nothing.
 */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json;
}

/** An ILIKE pattern for text containing `s` (its own % and _ taken literally). */
export const containing = (s: string) => `%${s.replace(/[%_\\]/g, '\\$&')}%`;

/** Readiness: the database answers. */
export const ping = (orm: MikroORM) => sqlOf(orm).query('select 1');
