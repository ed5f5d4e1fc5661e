import type { Role } from '../../contract/wire.js';
import type { Sql } from './sql.js';

export type StandingRow = { id: string; organization_id: string; role: Role; disabled: boolean; token_version: number };

/** What decides whether these users' sessions still stand. */
export function userStandings(sql: Sql, ids: string[]): Promise<StandingRow[]> {
  return sql.query<StandingRow>('select id, organization_id, role, disabled, token_version from users where id = any($1::uuid[])', [ids]);
}

/** An organization's users who can work, by name. */
export function activeMembers(sql: Sql, orgId: string): Promise<{ id: string; name: string; role: Role }[]> {
  return sql.query('select id, name, role from users where organization_id = $1 and not disabled order by name', [orgId]);
}

export async function isActiveMember(sql: Sql, userId: string, orgId: string): Promise<boolean> {
  return (await sql.query('select id from users where id = $1 and organization_id = $2 and not disabled', [userId, orgId])).length > 0;
}

/** Of these users, the active members of the organization. */
export async function activeMemberIds(sql: Sql, orgId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await sql.query<{ id: string }>('select id from users where organization_id = $1 and not disabled and id = any($2::uuid[])', [orgId, ids]);
  return rows.map((r) => r.id);
}
