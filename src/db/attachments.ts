import type { Sql } from './sql.js';

export type AttachmentStatus = 'pending' | 'ready' | 'failed';

/** A new row: an inbound file still to fetch, an agent's upload (no message yet) or a link an agent sent. */
export type NewAttachment = {
  id: string;
  orgId: string;
  messageId: string | null;
  kind: string;
  fileName: string | null;
  fileSize: number | null;
  mimeType: string | null;
  source: string;
  storagePath: string | null;
  status: AttachmentStatus;
};

/** Every attachment row is written here, one statement for any number. */
export async function insertAttachments(sql: Sql, rows: NewAttachment[]): Promise<void> {
  if (!rows.length) return;
  const col = <K extends keyof NewAttachment>(k: K) => rows.map((r) => r[k]);
  await sql.query(
    `insert into attachments (id, created_at, updated_at, organization_id, message_id, kind, file_name, file_size, mime_type, source, storage_path, status)
     select u.id, now(), now(), u.org, u.message_id, u.kind, u.file_name, u.file_size, u.mime_type, u.source, u.storage_path, u.status
     from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[])
       u(id, org, message_id, kind, file_name, file_size, mime_type, source, storage_path, status)`,
    [col('id'), col('orgId'), col('messageId'), col('kind'), col('fileName'), col('fileSize'), col('mimeType'), col('source'), col('storagePath'), col('status')],
  );
}

export type StoredFile = { storage_path: string | null; mime_type: string | null; file_name: string | null };

/** A file that can be served. */
export async function readyFile(sql: Sql, id: string): Promise<StoredFile | undefined> {
  const [row] = await sql.query<StoredFile>("select storage_path, mime_type, file_name from attachments where id = $1 and status = 'ready'", [id]);
  return row;
}

export async function existsInOrg(sql: Sql, id: string, orgId: string): Promise<boolean> {
  return (await sql.query('select 1 from attachments where id = $1 and organization_id = $2', [id, orgId])).length > 0;
}

/** A failed download set to try again; undefined when there is no failed one of this organization. */
export async function resetFailed(sql: Sql, id: string, orgId: string): Promise<{ id: string; attempts: number } | undefined> {
  const [row] = await sql.query<{ id: string; attempts: number }>(
    "update attachments set status = 'pending', error = null, updated_at = now() where id = $1 and organization_id = $2 and status = 'failed' returning id, attempts",
    [id, orgId],
  );
  return row;
}

export type DownloadRow = {
  id: string; organization_id: string; source: string; file_name: string | null; mime_type: string | null; status: AttachmentStatus; channel_id: string;
};

/** What the media job needs to fetch an attachment, with its message's channel. */
export async function forDownload(sql: Sql, id: string): Promise<DownloadRow | undefined> {
  const [row] = await sql.query<DownloadRow>(
    `select a.id, a.organization_id, a.source, a.file_name, a.mime_type, a.status, m.channel_id
     from attachments a join messages m on m.id = a.message_id where a.id = $1`,
    [id],
  );
  return row;
}

/** A download stored; returns the message it belongs to. */
export async function markDownloaded(sql: Sql, id: string, file: { storagePath: string; fileSize: number; mimeType: string; kind: string; fileName: string | null }): Promise<string | undefined> {
  const [row] = await sql.query<{ message_id: string }>(
    `update attachments set status = 'ready', storage_path = $2, file_size = $3, mime_type = $4, kind = $5,
       file_name = coalesce(file_name, $6), error = null, attempts = attempts + 1, updated_at = now() where id = $1 returning message_id`,
    [id, file.storagePath, file.fileSize, file.mimeType, file.kind, file.fileName],
  );
  return row?.message_id;
}

/** A download attempt that failed (`last`: no more tries, the attachment is failed); returns its message. */
export async function markAttemptFailed(sql: Sql, id: string, error: string, last: boolean): Promise<string | undefined> {
  const [row] = await sql.query<{ message_id: string }>(
    `update attachments set attempts = attempts + 1, error = $2, updated_at = now(), status = case when $3 then 'failed' else status end where id = $1 returning message_id`,
    [id, error, last],
  );
  return row?.message_id;
}

/** Uploads never attached to a message within a day: deleted; returns their stored files. */
export async function deleteOrphanUploads(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ storage_path: string | null }>(
    "delete from attachments where message_id is null and created_at < now() - interval '1 day' returning storage_path",
  );
  return rows.flatMap((r) => (r.storage_path ? [r.storage_path] : []));
}

/** Downloads whose job was never queued. */
export async function stuckDownloads(sql: Sql, limit = 500): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    "select id from attachments where status = 'pending' and source not like 'inline:%' and updated_at < now() - interval '5 minutes' limit $1",
    [limit],
  );
  return rows.map((r) => r.id);
}

/** An organization's ready uploads not sent yet, locked for the sending transaction. */
export async function lockUnsentUploads(sql: Sql, ids: string[], orgId: string): Promise<{ id: string; kind: string }[]> {
  if (!ids.length) return [];
  return sql.query<{ id: string; kind: string }>(
    `select id, kind from attachments where id = any($1::uuid[]) and organization_id = $2 and message_id is null and status = 'ready' for update`,
    [ids, orgId],
  );
}

export async function attachUploads(sql: Sql, messageId: string, ids: string[]): Promise<void> {
  if (ids.length) await sql.query('update attachments set message_id = $1, updated_at = now() where id = any($2::uuid[])', [messageId, ids]);
}

export type MessageFile = { id: string; source: string; storage_path: string | null; mime_type: string | null; file_name: string | null };

/** A message's files in their order. */
export function messageFiles(sql: Sql, messageId: string): Promise<MessageFile[]> {
  return sql.query<MessageFile>('select id, source, storage_path, mime_type, file_name from attachments where message_id = $1 order by created_at, id', [messageId]);
}

/** An upload's kind is its MIME type's (kindOfMime). */
export type UploadRow = { id: string; kind: 'image' | 'audio' | 'video' | 'file'; file_name: string | null; mime_type: string | null; file_size: number | null };

/** An organization's ready uploads from one source (a visitor's), not sent yet. */
export function unsentUploadsOf(sql: Sql, ids: string[], orgId: string, source: string): Promise<UploadRow[]> {
  return sql.query<UploadRow>(
    `select id, kind, file_name, mime_type, file_size from attachments
     where id = any($1::uuid[]) and organization_id = $2 and source = $3 and message_id is null and status = 'ready'`,
    [ids, orgId, source],
  );
}

/** An organization's ready file whose source starts with `sourcePrefix`. */
export async function readyFileFrom(sql: Sql, id: string, orgId: string, sourcePrefix: string): Promise<StoredFile | undefined> {
  const [row] = await sql.query<StoredFile>(
    "select storage_path, mime_type, file_name from attachments where id = $1 and organization_id = $2 and source like $3 and status = 'ready'",
    [id, orgId, `${sourcePrefix}%`],
  );
  return row;
}
