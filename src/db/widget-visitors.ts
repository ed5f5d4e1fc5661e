import { pgJson, type Sql } from './sql.js';

export type VisitorPage = { url?: string; referrer?: string; browser?: string };

export type WidgetVisitorRow = {
  id: string; created_at: Date; updated_at: Date; organization_id: string; channel_id: string; identifier: string | null;
  name: string | null; email: string | null; email_verified: boolean; page: VisitorPage | null;
};

/** What a session brings: null keeps what is stored (an email that is not verified clears the verified flag). */
export type VisitorFields = { name: string | null; email: string | null; emailVerified: boolean; page: VisitorPage | null };

const params = (f: VisitorFields) => [f.name, f.email, f.emailVerified, f.page ? pgJson(f.page) : null];
/** The SET of a session's fields ($3 to $6). */
const REFRESH = `name = coalesce($3, v.name), email = coalesce($4, v.email), email_verified = case when $4::text is null then v.email_verified else $5 end,
  page = coalesce($6::jsonb, v.page), updated_at = now()`;

export async function visitorById(sql: Sql, id: string, channelId: string): Promise<WidgetVisitorRow | undefined> {
  const [row] = await sql.query<WidgetVisitorRow>('select * from widget_visitors where id = $1 and channel_id = $2', [id, channelId]);
  return row;
}

/** An anonymous visitor becomes the identified one, unless that one exists already (then undefined). */
export async function identifyVisitor(sql: Sql, id: string, channelId: string, identifier: string, f: VisitorFields): Promise<WidgetVisitorRow | undefined> {
  const [row] = await sql.query<WidgetVisitorRow>(
    `update widget_visitors v set identifier = $7, ${REFRESH} where v.id = $1 and v.channel_id = $2 and v.identifier is null
       and not exists (select 1 from widget_visitors o where o.channel_id = $2 and o.identifier = $7) returning v.*`,
    [id, channelId, ...params(f), identifier],
  );
  return row;
}

/** The channel's one visitor with this identifier, created or refreshed. */
export async function upsertIdentifiedVisitor(sql: Sql, orgId: string, channelId: string, identifier: string, f: VisitorFields): Promise<WidgetVisitorRow> {
  const [row] = await sql.query<WidgetVisitorRow>(
    `insert into widget_visitors as v (id, created_at, updated_at, organization_id, channel_id, identifier, name, email, email_verified, page)
     values (gen_random_uuid(), now(), now(), $1, $2, $7, $3, $4, $5, $6::jsonb)
     on conflict (channel_id, identifier) do update set ${REFRESH} returning v.*`,
    [orgId, channelId, ...params(f), identifier],
  );
  return row!;
}

/** A returning anonymous visitor, refreshed; undefined when there is none (or they are identified). */
export async function refreshAnonymousVisitor(sql: Sql, id: string, channelId: string, f: VisitorFields): Promise<WidgetVisitorRow | undefined> {
  const [row] = await sql.query<WidgetVisitorRow>(
    `update widget_visitors v set ${REFRESH} where v.id = $1 and v.channel_id = $2 and v.identifier is null returning v.*`,
    [id, channelId, ...params(f)],
  );
  return row;
}

export async function insertAnonymousVisitor(sql: Sql, orgId: string, channelId: string, f: VisitorFields): Promise<WidgetVisitorRow> {
  const [row] = await sql.query<WidgetVisitorRow>(
    `insert into widget_visitors (id, created_at, updated_at, organization_id, channel_id, name, email, email_verified, page)
     values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6::jsonb) returning *`,
    [orgId, channelId, ...params(f)],
  );
  return row!;
}
