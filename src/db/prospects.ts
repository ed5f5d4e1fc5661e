import type { IdentifierType } from '../../connectors/types.js';
import type { Sql } from './sql.js';

/** Of these prospects, the ones known only by an id, with their channel. */
export function unnamedProspects(sql: Sql, ids: string[]): Promise<{ id: string; channel_id: string }[]> {
  return sql.query('select id, channel_id from prospects where id = any($1::uuid[]) and name is null', [ids]);
}

export type ProfileRow = { id: string; channel_id: string; external_id: string; identifier: string; identifier_type: IdentifierType; name: string | null };

export async function prospectIdentity(sql: Sql, id: string): Promise<ProfileRow | undefined> {
  const [row] = await sql.query<ProfileRow>('select id, channel_id, external_id, identifier, identifier_type, name from prospects where id = $1', [id]);
  return row;
}

/** A name and picture from the platform, where none is known yet; returns the prospect's conversations. */
export async function fillProfile(sql: Sql, id: string, profile: { name?: string; avatar?: string }): Promise<string[]> {
  await sql.query('update prospects set name = coalesce(name, $2), avatar = coalesce(avatar, $3), updated_at = now() where id = $1',
    [id, profile.name ?? null, profile.avatar ?? null]);
  return (await sql.query<{ id: string }>('select id from conversations where prospect_id = $1', [id])).map((r) => r.id);
}
