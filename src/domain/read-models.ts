import type { Sql } from '../db/sql.js';
import type { NotificationRow } from '../db/notifications.js';
import { messagesByIds, type MessageRow } from '../db/messages.js';
import { conversationsByIds, type ConversationRow } from '../db/conversations.js';
import { prospectsByIds, type ProspectRow } from '../db/prospects.js';
import { connectorFor } from '../../connectors/registry.js';
import type { MediaSigner } from '../media/signer.js';
import type * as wire from '../../contract/wire.js';

/** What agents see, built from SQL rows: the wire shapes of CONTRACT.md. */

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : undefined);

export function messageView(row: MessageRow, media: MediaSigner) {
  const attachments = (row.attachments ?? []).map((a): wire.Attachment => ({
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
    private: row.private ? true : undefined,
    ...quoteAndChanges(row),
    /** Opaque cursor for pagination (insertion order). */
    seq: Number(row.seq),
  } satisfies wire.ChatMessage;
}
export type ChatMessage = ReturnType<typeof messageView>;

const isoOf = (v: unknown) => (typeof v === 'string' || v instanceof Date ? iso(v) : undefined);

/** Quotes, reactions, edits and deletes, kept in the message's metadata, as ChatMessage fields. */
function quoteAndChanges(row: MessageRow): Pick<wire.ChatMessage, 'replyToId' | 'quoted' | 'reactions' | 'editedAt' | 'deletedAt' | 'action' | 'retrying'> {
  const meta = (row.metadata ?? {}) as Record<string, any>;
  const reactions = meta.reactions && typeof meta.reactions === 'object' && Object.keys(meta.reactions).length ? (meta.reactions as Record<string, string>) : undefined;
  const quoted = row.quoted
    ? { ...row.quoted, senderType: row.quoted.senderType as wire.SenderType, messageType: row.quoted.messageType as wire.MessageType, content: row.quoted.deleted ? '' : row.quoted.content }
    : undefined;
  return {
    replyToId: quoted?.id,
    quoted,
    reactions,
    editedAt: isoOf(meta.editedAt),
    deletedAt: isoOf(meta.deletedAt),
    action: meta.action && typeof meta.action === 'object' ? (meta.action as wire.ChatMessage['action']) : undefined,
    retrying: row.status === 'pending' && meta.retry && typeof meta.retry === 'object' ? (meta.retry as wire.ChatMessage['retrying']) : undefined,
  };
}

export function conversationView(row: ConversationRow) {
  const send = connectorFor(row.channel_kind).send;
  const windowHours = send?.windowHours;
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
    messageActions: { react: Boolean(send?.react), edit: Boolean(send?.edit), delete: Boolean(send?.delete) },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  } satisfies wire.Conversation;
}
export type ConversationView = ReturnType<typeof conversationView>;

export function prospectView(row: ProspectRow) {
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
  return (await messagesByIds(sql, ids)).map((r) => messageView(r, media));
}

export async function loadConversations(sql: Sql, ids: string[]) {
  if (!ids.length) return [];
  return (await conversationsByIds(sql, ids)).map(conversationView);
}

export async function loadProspects(sql: Sql, ids: string[]) {
  if (!ids.length) return [];
  return (await prospectsByIds(sql, ids)).map(prospectView);
}

export function notificationView(row: NotificationRow) {
  return {
    id: row.id,
    type: row.type as wire.NotificationType,
    conversationId: row.conversation_id ?? undefined,
    messageId: row.message_id ?? undefined,
    text: row.text,
    readAt: iso(row.read_at),
    createdAt: iso(row.created_at)!,
  } satisfies wire.Notification;
}
