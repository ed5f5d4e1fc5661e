import { pgJson, type Sql } from './sql.js';

export type ChannelRow = { id: string; organization_id: string; kind: string; platform: string; name: string; status: string; credentials: string };

/** A channel as the runtime cache loads it (credentials still sealed). */
export async function channelRow(sql: Sql, id: string): Promise<ChannelRow | undefined> {
  const [row] = await sql.query<ChannelRow>('select id, organization_id, kind, platform, name, status, credentials from channels where id = $1', [id]);
  return row;
}

/** Every channel not switched off by an admin. */
export async function enabledChannelIds(sql: Sql): Promise<string[]> {
  return (await sql.query<{ id: string }>("select id from channels where status <> 'disabled'")).map((r) => r.id);
}

/** Where a pull channel left off. */
export async function pullCursor(sql: Sql, id: string): Promise<Record<string, unknown> | null> {
  const [row] = await sql.query<{ cursor: Record<string, unknown> | null }>('select cursor from channels where id = $1', [id]);
  return row?.cursor ?? null;
}

export async function savePullCursor(sql: Sql, id: string, cursor: Record<string, unknown>): Promise<void> {
  await sql.query('update channels set cursor = $1 where id = $2', [pgJson(cursor), id]);
}

/** Written only when it differs and never over a disabled channel; returns whether it changed. */
export async function writeChannelState(sql: Sql, id: string, state: string, reason: string | null, pairing: object | null = null): Promise<boolean> {
  const kept = pairing && pgJson(pairing);
  const rows = await sql.query(
    `update channels set status = $2, status_reason = $3, pairing = $4::jsonb, updated_at = now()
      where id = $1 and status <> 'disabled' and (status <> $2 or status_reason is distinct from $3 or pairing is distinct from $4::jsonb) returning id`,
    [id, state, reason, kept],
  );
  return rows.length > 0;
}
