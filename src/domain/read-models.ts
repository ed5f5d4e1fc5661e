import type { Sql } from '../db/sql.js';
import { connectorFor } from '../../connectors/registry.js';
import type { MediaSigner } from '../media/signer.js';
import type * as wire from '../../contract/wire.js';

/** What agents see, built from SQL rows: the wire shapes of CONTRACT.md. */

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : undefined);

/** A message row's own columns (what INSERT ... RETURNING gives back; attachments come separately). */
export const MESSAGE_ROW = `id, conversation_id, sender_id, sender_type, content, message_type, platform, timestamp, status, error,
  client_message_id, metadata, direction, seq`;

export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.sender_id, m.sender_type, m.content, m.message_type, m.platform,
  m.timestamp, m.status, m.error, m.client_message_id, m.metadata, m.direction, m.seq,
  coalesce((select json_agg(json_build_object('id', a.id, 'kind', a.kind, 'fileName', a.file_name, 'fileSize', a.file_size,
    'mimeType', a.mime_type, 'status', a.status, 'error', a.error, 'stored', a.storage_path is not null,
    'link', case when a.storage_path is null and a.source ~ '^https?://' and m.direction = 'out' then a.source end) order by a.created_at, a.id)
    from attachments a where a.message_id = m.id), '[]') as attachments`;

export function messageView(row: any, media: MediaSigner) {
  const attachments = (row.attachments ?? []).map((a: any): wire.Attachment => ({
    id: a.id,
    kind: a.kind,
    fileName: a.fileName ?? undefined,
    fileSize: a.fileSize ?? undefined,
    fileType: a.mimeType ?? undefined,
    status: a.status,
    error: a.error ?? undefined,
    // Ours to serve (signed), or the public link an agent sent.
    url: a.status !== 'ready' ? undefined : a.stored === false ? a.link ?? undefined : media.url(a.id),
  }));
  const first = attachments[0];
  const metadata = {
    ...(row.metadata ?? {}),
    ...(first ? { fileName: first.fileName, fileSize: first.fileSize, fileType: first.fileType, url: first.url, attachments } : {}),
  };
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    senderId: row.sender_id as string,
    senderType: row.sender_type as wire.SenderType,
    content: row.content as string,
    messageType: row.message_type as wire.MessageType,
    platform: row.platform as wire.Platform,
    timestamp: iso(row.timestamp)!,
    status: row.status as wire.MessageStatus,
    error: row.error ?? undefined,
    clientMessageId: row.client_message_id ?? undefined,
    metadata: Object.keys(metadata).length ? metadata : undefined,
    /** Opaque cursor for pagination (insertion order). */
    seq: Number(row.seq),
  } satisfies wire.ChatMessage;
}
export type ChatMessage = ReturnType<typeof messageView>;

export const CONVERSATION_COLUMNS = `c.id, c.organization_id, c.channel_id, c.prospect_id, c.client_id, c.platform, c.status, c.last_message,
  c.last_activity, c.last_inbound_at, c.unread_count, c.assigned_to_id, c.tags, c.bot_enabled, c.needs_human,
  c.subject, c.created_at, c.updated_at, ch.kind as channel_kind, ch.name as channel_name,
  p.name as prospect_name, p.identifier as prospect_identifier, p.avatar as prospect_avatar`;
export const CONVERSATION_FROM = `conversations c join channels ch on ch.id = c.channel_id join prospects p on p.id = c.prospect_id`;

export function conversationView(row: any) {
  const windowHours = connectorFor(row.channel_kind).send?.windowHours;
  const lastInbound = row.last_inbound_at ? new Date(row.last_inbound_at).getTime() : undefined;
  return {
    id: row.id as string,
    organizationId: row.organization_id as string,
    channelId: row.channel_id as string,
    channelName: row.channel_name as string,
    prospectId: row.prospect_id as string,
    clientId: row.client_id ?? undefined,
    platform: row.platform as wire.Platform,
    status: row.status as wire.ConversationStatus,
    subject: row.subject ?? undefined,
    lastMessage: row.last_message ?? undefined,
    lastActivity: iso(row.last_activity)!,
    unreadCount: Number(row.unread_count),
    assignedTo: row.assigned_to_id ?? undefined,
    tags: (row.tags ?? []) as string[],
    botEnabled: row.bot_enabled as boolean,
    needsHuman: row.needs_human as boolean,
    isClientConverted: Boolean(row.client_id),
    prospect: { name: row.prospect_name ?? undefined, identifier: row.prospect_identifier as string, avatar: row.prospect_avatar ?? undefined },
    /** When free text stops being allowed (Meta's 24 h window); absent for channels without one. */
    windowClosesAt: windowHours ? (lastInbound ? new Date(lastInbound + windowHours * 3600_000).toISOString() : new Date(0).toISOString()) : undefined,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  } satisfies wire.Conversation;
}
export type ConversationView = ReturnType<typeof conversationView>;

export const PROSPECT_COLUMNS = `p.id, p.organization_id, p.identifier, p.identifier_type, p.name, p.avatar, p.platform, p.client_id, p.last_seen,
  p.channel_id, p.created_at, p.updated_at`;

export function prospectView(row: any) {
  return {
    id: row.id as string,
    organizationId: row.organization_id as string,
    identifier: row.identifier as string,
    identifierType: row.identifier_type as wire.Prospect['identifierType'],
    name: row.name ?? undefined,
    avatar: row.avatar ?? undefined,
    platform: row.platform as wire.Platform,
    channelId: row.channel_id as string,
    isClient: Boolean(row.client_id),
    clientId: row.client_id ?? undefined,
    lastSeen: iso(row.last_seen),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  } satisfies wire.Prospect;
}

export async function loadMessages(sql: Sql, ids: string[], media: MediaSigner) {
  if (!ids.length) return [];
  const rows = await sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.id = any($1::uuid[]) order by m.timestamp, m.seq`, [ids]);
  return rows.map((r) => messageView(r, media));
}

export async function loadConversations(sql: Sql, ids: string[]) {
  if (!ids.length) return [];
  const rows = await sql.query(`select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where c.id = any($1::uuid[])`, [ids]);
  return rows.map(conversationView);
}

export async function loadProspects(sql: Sql, ids: string[]) {
  if (!ids.length) return [];
  const rows = await sql.query(`select ${PROSPECT_COLUMNS} from prospects p where p.id = any($1::uuid[])`, [ids]);
  return rows.map(prospectView);
}
