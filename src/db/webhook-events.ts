import { pgJson, type Sql } from './sql.js';

/** A kept payload as replay needs it. */
export type KeptRow = { id: string; channel_id: string; payload: string; content_type: string | null };

export type WebhookEventRow = KeptRow & {
  channel_name: string; channel_kind: string; outcome: string; detail: string | null; created_at: Date; expires_at: Date;
};

/** A payload to keep, with what became of it. */
export type NewWebhookEvent = {
  orgId: string; channelId: string; jobId: string; payload: string; contentType: string | null; outcome: string; detail: string | null; retentionHours: number;
};

/** An organization's kept payloads, newest first. */
export function listWebhookEvents(sql: Sql, orgId: string, f: { channelId?: string; outcome?: string; limit: number }): Promise<WebhookEventRow[]> {
  return sql.query<WebhookEventRow>(
    `select e.id, e.channel_id, ch.name as channel_name, ch.kind as channel_kind, e.outcome, e.detail, e.payload, e.content_type, e.created_at, e.expires_at
     from webhook_events e join channels ch on ch.id = e.channel_id
     where e.organization_id = $1 and ($2::uuid is null or e.channel_id = $2) and ($3::text is null or e.outcome = $3)
     order by e.created_at desc limit $4`,
    [orgId, f.channelId ?? null, f.outcome ?? null, f.limit],
  );
}

export async function keptEvent(sql: Sql, id: string, orgId: string): Promise<KeptRow | undefined> {
  const [row] = await sql.query<KeptRow>('select id, channel_id, payload, content_type from webhook_events where id = $1 and organization_id = $2', [id, orgId]);
  return row;
}

/** Kept payloads of one outcome (and channel), oldest first. */
export function keptEvents(sql: Sql, orgId: string, f: { outcome: string; channelId?: string; limit: number }): Promise<KeptRow[]> {
  return sql.query<KeptRow>(
    `select id, channel_id, payload, content_type from webhook_events
     where organization_id = $1 and outcome = $2 and ($3::uuid is null or channel_id = $3)
     order by created_at limit $4`,
    [orgId, f.outcome, f.channelId ?? null, f.limit],
  );
}

export async function markReplayed(sql: Sql, ids: string[]): Promise<void> {
  if (ids.length) await sql.query(`update webhook_events set outcome = 'replayed', updated_at = now() where id = any($1::uuid[]) and outcome = 'failed'`, [ids]);
}

export async function deleteExpiredWebhookEvents(sql: Sql): Promise<void> {
  await sql.query('delete from webhook_events where expires_at < now()');
}

/** Postgres text cannot hold NUL (a raw email may): kept as U+FFFD, so the delivery is still kept. */
const storableText = (text: string) => (text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text);

/** Kept once per delivery (its job id): a redelivered job keeps the first record. */
export async function insertWebhookEvents(sql: Sql, rows: NewWebhookEvent[]): Promise<void> {
  if (!rows.length) return;
  await sql.query(
    `insert into webhook_events (id, created_at, updated_at, organization_id, channel_id, job_id, payload, content_type, outcome, detail, expires_at)
     select gen_random_uuid(), now(), now(), u.org, u.channel, u.job, u.payload, u.content_type, u.outcome, u.detail, now() + make_interval(hours => u.hours)
     from json_to_recordset($1::json) u(org uuid, channel uuid, job text, payload text, outcome text, detail text, hours int, content_type text)
     on conflict (job_id) do nothing`,
    [pgJson(rows.map((r) => ({
      org: r.orgId, channel: r.channelId, job: r.jobId, payload: storableText(r.payload), outcome: r.outcome, detail: r.detail,
      hours: Math.ceil(r.retentionHours), content_type: r.contentType,
    })))],
  );
}

/** A delivery that could not be processed at all: kept as 'failed', over any earlier record of it. */
export async function upsertFailedWebhookEvent(sql: Sql, e: Omit<NewWebhookEvent, 'outcome'>): Promise<void> {
  await sql.query(
    `insert into webhook_events (id, created_at, updated_at, organization_id, channel_id, job_id, payload, content_type, outcome, detail, expires_at)
     values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, 'failed', $6, now() + make_interval(hours => $7))
     on conflict (job_id) do update set outcome = 'failed', detail = excluded.detail, updated_at = now()`,
    [e.orgId, e.channelId, e.jobId, storableText(e.payload), e.contentType, e.detail, Math.ceil(e.retentionHours)],
  );
}
