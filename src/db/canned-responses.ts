import type { Sql } from './sql.js';

/** Canned responses, always within one organization (every statement filters on it). */
export type CannedRow = { id: string; short_code: string; content: string; created_at: Date | string; updated_at: Date | string };
const COLUMNS = 'id, short_code, content, created_at, updated_at';

export const listCanned = (sql: Sql, orgId: string) =>
  sql.query<CannedRow>(`select ${COLUMNS} from canned_responses where organization_id = $1 order by short_code`, [orgId]);

export async function insertCanned(sql: Sql, orgId: string, userId: string, v: { shortCode: string; content: string }) {
  const [row] = await sql.query<CannedRow>(
    `insert into canned_responses (id, created_at, updated_at, organization_id, created_by_id, short_code, content)
     values (gen_random_uuid(), now(), now(), $1, $2, $3, $4) returning ${COLUMNS}`,
    [orgId, userId, v.shortCode, v.content]);
  return row!;
}

export async function updateCanned(sql: Sql, orgId: string, id: string, v: { shortCode?: string; content?: string }) {
  const [row] = await sql.query<CannedRow>(
    `update canned_responses set short_code = coalesce($3, short_code), content = coalesce($4, content), updated_at = now()
     where id = $1 and organization_id = $2 returning ${COLUMNS}`,
    [id, orgId, v.shortCode ?? null, v.content ?? null]);
  return row;
}

export async function deleteCanned(sql: Sql, orgId: string, id: string): Promise<boolean> {
  return (await sql.query('delete from canned_responses where id = $1 and organization_id = $2 returning id', [id, orgId])).length > 0;
}
