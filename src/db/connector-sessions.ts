import type { Sql } from './sql.js';

/** A pull connector's sealed login session (one row per channel). */
export async function sealedSession(sql: Sql, channelId: string): Promise<string | undefined> {
  const [row] = await sql.query<{ data: string }>('select data from connector_sessions where channel_id = $1', [channelId]);
  return row?.data;
}

export async function saveSealedSession(sql: Sql, channelId: string, sealed: string): Promise<void> {
  await sql.query(
    `insert into connector_sessions (id, created_at, updated_at, channel_id, data) values (gen_random_uuid(), now(), now(), $1, $2)
     on conflict (channel_id) do update set data = excluded.data, updated_at = now()`,
    [channelId, sealed],
  );
}

export async function deleteSession(sql: Sql, channelId: string): Promise<void> {
  await sql.query('delete from connector_sessions where channel_id = $1', [channelId]);
}
