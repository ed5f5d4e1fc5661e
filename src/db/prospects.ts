import type { IdentifierType } from '../../connectors/types.js';
import { containing, type Sql } from './sql.js';

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

const PROSPECT_COLUMNS = `p.id, p.organization_id, p.identifier, p.identifier_type, p.name, p.avatar, p.platform, p.client_id, p.last_seen,
  p.channel_id, p.created_at, p.updated_at`;

export type ProspectRow = {
  id: string; organization_id: string; identifier: string; identifier_type: IdentifierType; name: string | null; avatar: string | null;
  platform: string; client_id: string | null; last_seen: Date | null; channel_id: string; created_at: Date; updated_at: Date;
};

export function prospectsByIds(sql: Sql, ids: string[]): Promise<ProspectRow[]> {
  return sql.query<ProspectRow>(`select ${PROSPECT_COLUMNS} from prospects p where p.id = any($1::uuid[])`, [ids]);
}

/** A page of an organization's prospect ids, newest first, matching a name or identifier. */
export async function prospectPage(sql: Sql, orgId: string, q: { search?: string; after?: [string, string]; limit: number }): Promise<string[]> {
  const params: unknown[] = [orgId];
  const where = ['organization_id = $1'];
  if (q.search) {
    params.push(containing(q.search));
    where.push(`(name ilike $${params.length} or identifier ilike $${params.length})`);
  }
  if (q.after) {
    params.push(q.after[0], q.after[1]);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(q.limit);
  const rows = await sql.query<{ id: string }>(`select id from prospects where ${where.join(' and ')} order by created_at desc, id desc limit $${params.length}`, params);
  return rows.map((r) => r.id);
}

/** A channel contact not linked to a client yet, and the organization's first client with this email. */
export async function clientForContactEmail(sql: Sql, channelId: string, externalId: string, email: string): Promise<{ prospect_id: string; client_id: string } | undefined> {
  const [row] = await sql.query<{ prospect_id: string; client_id: string }>(
    `select p.id as prospect_id, cl.id as client_id from prospects p
     join clients cl on cl.organization_id = p.organization_id and lower(cl.email) = lower($3)
     where p.channel_id = $1 and p.external_id = $2 and p.client_id is null order by cl.created_at limit 1`,
    [channelId, externalId, email],
  );
  return row;
}
