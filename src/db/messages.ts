import type { IdentifierType, MessageType } from '../../connectors/types.js';
import { pgJson, type Sql } from './sql.js';
import type { AttachmentStatus } from './attachments.js';

/** A message row's own columns (what INSERT ... RETURNING gives back; attachments come separately). */
export const MESSAGE_ROW = `id, conversation_id, sender_id, sender_type, content, message_type, platform, timestamp, status, error,
  client_message_id, metadata, direction, seq, private`;

/**
 * The message a message quotes: ours by id (an agent's reply), or the platform's by its id (an
 * inbound quote, metadata.replyTo), found in the same conversation.
 */
const QUOTE_JSON = `json_build_object('id', q.id, 'content', left(q.content, 280), 'senderType', q.sender_type, 'messageType', q.message_type,
    'deleted', q.metadata->>'deletedAt' is not null)`;
/** Two lookups, each by its own index (the primary key; channel and external id), rather than one OR. */
const QUOTED = `coalesce(
  (select ${QUOTE_JSON} from messages q where q.id = case when m.metadata->>'replyToId' ~ '^[0-9a-f-]{36}$' then (m.metadata->>'replyToId')::uuid end
     and q.conversation_id = m.conversation_id),
  (select ${QUOTE_JSON} from messages q where q.channel_id = m.channel_id and q.external_id = m.metadata->>'replyTo' and q.conversation_id = m.conversation_id)
  ) as quoted`;

export type QuotedJson = { id: string; content: string; senderType: string; messageType: string; deleted: boolean };

/** A message's columns with its attachments as JSON. */
export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.sender_id, m.sender_type, m.content, m.message_type, m.platform,
  m.timestamp, m.status, m.error, m.client_message_id, m.metadata, m.direction, m.seq, m.private,
  coalesce((select json_agg(json_build_object('id', a.id, 'kind', a.kind, 'fileName', a.file_name, 'fileSize', a.file_size,
    'mimeType', a.mime_type, 'status', a.status, 'error', a.error, 'stored', a.storage_path is not null,
    'link', case when a.storage_path is null and a.source ~ '^https?://' and m.direction = 'out' then a.source end) order by a.created_at, a.id)
    from attachments a where a.message_id = m.id), '[]') as attachments,
  ${QUOTED}`;

export type AttachmentJson = {
  id: string; kind: string; fileName?: string | null; fileSize?: number | null; mimeType?: string | null; status: AttachmentStatus;
  error?: string | null; stored?: boolean; link?: string | null;
};

/** A message as read models take it (MESSAGE_ROW, with attachments when read back). */
export type MessageRow = {
  id: string; conversation_id: string; sender_id: string; sender_type: string; content: string; message_type: string; platform: string;
  timestamp: Date | string; status: string; error?: string | null; client_message_id?: string | null; metadata?: Record<string, unknown> | null;
  direction?: string; seq: number | string; attachments?: AttachmentJson[]; quoted?: QuotedJson | null;
  /** An internal note (agents only): a visitor's query filters these out. */
  private?: boolean;
};

/** Messages by id, in thread order. */
export function messagesByIds(sql: Sql, ids: string[]): Promise<MessageRow[]> {
  return sql.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages m where m.id = any($1::uuid[]) order by m.timestamp, m.seq`, [ids]);
}

/** What arrived in a conversation after a message (by its seq), oldest first; `limit` rows at most. */
export function messagesAfter(sql: Sql, conversationId: string, afterSeq: number, limit: number): Promise<MessageRow[]> {
  return sql.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3`,
    [conversationId, afterSeq, limit],
  );
}

/** A conversation's messages newest first, before a message (by its seq) when given; `limit` rows at most. */
export function messagesBefore(sql: Sql, conversationId: string, limit: number, beforeSeq?: number): Promise<MessageRow[]> {
  return sql.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1
       ${beforeSeq !== undefined ? 'and (m.timestamp, m.seq) < (select timestamp, seq from messages where conversation_id = $1 and seq = $3)' : ''}
     order by m.timestamp desc, m.seq desc limit $2`,
    beforeSeq !== undefined ? [conversationId, limit, beforeSeq] : [conversationId, limit],
  );
}

export async function messageByClientId(sql: Sql, conversationId: string, clientMessageId: string): Promise<MessageRow | undefined> {
  const [row] = await sql.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 and m.client_message_id = $2`, [conversationId, clientMessageId]);
  return row;
}

export type NewOutgoing = {
  orgId: string; channelId: string; conversationId: string; clientMessageId: string; senderType: 'agent' | 'bot'; senderId: string;
  content: string; messageType: string; platform: string; timestamp: Date; summary: Record<string, unknown>;
  /** What the message carries besides its text: the quoted message (replyToId), a template. */
  metadata?: Record<string, unknown>;
};

/**
 * An agent's (or the bot's) message saved pending, in one statement with its conversation moved
 * on; an agent's reply hands over from the bot. The unique (conversation, clientMessageId)
 * settles racing resends: undefined when it exists already.
 */
export async function insertOutgoing(sql: Sql, m: NewOutgoing): Promise<MessageRow | undefined> {
  const [row] = await sql.query<MessageRow>(
    `with ins as (
       insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, client_message_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status, metadata)
       values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, 'out', $5, $6, $7, $8, $9, $10, 'pending', $12::jsonb)
       on conflict (conversation_id, client_message_id) do nothing
       returning ${MESSAGE_ROW}),
     moved as (
       update conversations c set last_activity = greatest(c.last_activity, $10), last_message = $11::jsonb || jsonb_build_object('id', ins.id), updated_at = now()
         ${m.senderType === 'agent' ? ', bot_enabled = false, needs_human = false' : ''}
       from ins where c.id = ins.conversation_id)
     select * from ins`,
    [m.orgId, m.channelId, m.conversationId, m.clientMessageId, m.senderType, m.senderId, m.content, m.messageType, m.platform, m.timestamp, pgJson(m.summary),
      m.metadata ? pgJson(m.metadata) : null],
  );
  return row;
}

export type NewNote = { orgId: string; channelId: string; conversationId: string; clientMessageId: string; senderId: string; content: string; platform: string; timestamp: Date };

/**
 * An agent's private note: stored as done ('sent', nothing to deliver), never queued, and
 * it leaves the conversation as it was (no last message, bot untouched). Undefined when the
 * clientMessageId exists already.
 */
export async function insertNote(sql: Sql, m: NewNote): Promise<MessageRow | undefined> {
  const [row] = await sql.query<MessageRow>(
    `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, client_message_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status, private)
     values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, 'out', 'agent', $5, $6, 'text', $7, $8, 'sent', true)
     on conflict (conversation_id, client_message_id) do nothing
     returning ${MESSAGE_ROW}`,
    [m.orgId, m.channelId, m.conversationId, m.clientMessageId, m.senderId, m.content, m.platform, m.timestamp],
  );
  return row;
}

/** An organization's message, for a retry. */
export async function ownedMessageState(sql: Sql, id: string, orgId: string): Promise<{ status: string; direction: string } | undefined> {
  const [row] = await sql.query<{ status: string; direction: string }>('select status, direction from messages where id = $1 and organization_id = $2', [id, orgId]);
  return row;
}

/** A failed message queued to send again. */
export async function setPendingAgain(sql: Sql, id: string): Promise<void> {
  await sql.query("update messages set status = 'pending', error = null, updated_at = now() where id = $1", [id]);
}

/**
 * Statuses that arrived before their message apply once the message exists: for the given
 * messages, or (no keys) for every message that exists by now. Only forward (message_status_rank).
 */
export async function applyPendingStatuses(sql: Sql, only?: { channelIds: string[]; externalIds: string[] }): Promise<void> {
  await sql.query(
    `with applied as (
       delete from pending_statuses ps using messages m
       where m.channel_id = ps.channel_id and m.external_id = ps.external_id
         ${only ? 'and (ps.channel_id, ps.external_id) in (select * from unnest($1::uuid[], $2::text[]))' : ''}
       returning ps.channel_id, ps.external_id, ps.status, ps.error)
     update messages m set status = a.status, error = coalesce(a.error, m.error), updated_at = now()
     from applied a where m.channel_id = a.channel_id and m.external_id = a.external_id
       and message_status_rank(a.status) > message_status_rank(m.status)`,
    only ? [only.channelIds, only.externalIds] : [],
  );
}

export type OutgoingRow = {
  id: string; status: string; external_id: string | null; content: string; message_type: MessageType; conversation_id: string; channel_id: string;
  subject: string | null; contact_id: string; identifier: string; identifier_type: IdentifierType; name: string | null;
  /** The platform's id of the message this one quotes, once that one was sent. */
  reply_to_external_id: string | null; template: { name: string; language: string; params: string[] } | null;
};

/** An outgoing message with whom it goes to. */
export async function outgoingMessage(sql: Sql, id: string): Promise<OutgoingRow | undefined> {
  const [row] = await sql.query<OutgoingRow>(
    `select m.id, m.status, m.external_id, m.content, m.message_type, m.conversation_id, m.channel_id,
            c.subject, p.external_id as contact_id, p.identifier, p.identifier_type, p.name,
            (select q.external_id from messages q where q.conversation_id = m.conversation_id
               and q.id = case when m.metadata->>'replyToId' ~ '^[0-9a-f-]{36}$' then (m.metadata->>'replyToId')::uuid end) as reply_to_external_id,
            m.metadata->'template' as template
     from messages m join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
     where m.id = $1`,
    [id],
  );
  return row;
}

export type ThreadRef = { external_id: string; direction: 'in' | 'out'; message_type: MessageType };

/** The platform ids of a conversation's other messages, oldest first (email threading). */
export function threadRefs(sql: Sql, conversationId: string, exceptId: string): Promise<ThreadRef[]> {
  return sql.query<ThreadRef>(
    `select external_id, direction, message_type from messages where conversation_id = $1 and external_id is not null and id <> $2 order by timestamp, seq`,
    [conversationId, exceptId],
  );
}

/** Sent, or further if a status webhook beat our own bookkeeping (it waited in pending_statuses). */
export async function markSent(sql: Sql, id: string, externalId: string, channelId: string): Promise<void> {
  await sql.query(
    `with waiting as (delete from pending_statuses where channel_id = $3 and external_id = $2 returning status, error)
     update messages m set external_id = $2, updated_at = now(),
       status = (select s from unnest(array[m.status, 'sent', (select status from waiting)]) s
                 where s is not null order by message_status_rank(s) desc limit 1),
       error = (select error from waiting),
       metadata = case when m.metadata ? 'retry' then m.metadata - 'retry' else m.metadata end
     where m.id = $1`,
    [id, externalId, channelId],
  );
}

/** A pending message that could not be sent. */
export async function markSendFailed(sql: Sql, id: string, reason: string): Promise<void> {
  await sql.query(
    "update messages set status = 'failed', error = $2, updated_at = now(), metadata = case when metadata ? 'retry' then metadata - 'retry' else metadata end where id = $1 and status = 'pending'",
    [id, reason],
  );
}

/** A pending message whose send failed and will be tried again: the reason and which retry comes (metadata.retry). */
export async function markRetrying(sql: Sql, id: string, reason: string, retry: { attempt: number; of: number }): Promise<void> {
  await sql.query(
    `update messages set error = $2, updated_at = now(), metadata = ${META} || jsonb_build_object('retry', $3::jsonb) where id = $1 and status = 'pending'`,
    [id, reason, pgJson(retry)],
  );
}

export type BotInputRow = {
  id: string; content: string; conversation_id: string; organization_id: string; bot_enabled: boolean; channel_id: string; platform: string; prospect_name: string | null;
};

/** An inbound message with what the bot needs of its conversation. */
export async function botInput(sql: Sql, id: string): Promise<BotInputRow | undefined> {
  const [row] = await sql.query<BotInputRow>(
    `select m.id, m.content, m.conversation_id, m.organization_id, c.bot_enabled, c.channel_id, c.platform, p.name as prospect_name
     from messages m join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
     where m.id = $1 and m.direction = 'in'`,
    [id],
  );
  return row;
}

/** The conversation's last 20 messages people wrote before this one, oldest first. */
export async function recentTurns(sql: Sql, conversationId: string, exceptId: string): Promise<{ direction: 'in' | 'out'; content: string }[]> {
  const rows = await sql.query<{ direction: 'in' | 'out'; content: string }>(
    `select direction, content from messages where conversation_id = $1 and id <> $2 and message_type <> 'system' and not private
     order by timestamp desc, seq desc limit 20`,
    [conversationId, exceptId],
  );
  return rows.reverse();
}

/** A message of this conversation (the one a reply quotes), or undefined. */
export async function messageInConversation(sql: Sql, id: string, conversationId: string): Promise<{ id: string } | undefined> {
  const [row] = await sql.query<{ id: string }>('select id from messages where id = $1 and conversation_id = $2', [id, conversationId]);
  return row;
}

export type ActionTarget = {
  id: string; conversation_id: string; channel_id: string; kind: string; direction: 'in' | 'out'; external_id: string | null; status: string;
  deleted: boolean; contact_id: string; identifier: string; identifier_type: IdentifierType; name: string | null;
};

/** An organization's message with what a reaction, edit or delete needs: its channel and whom it is with. */
export async function actionTarget(sql: Sql, id: string, orgId?: string): Promise<ActionTarget | undefined> {
  const [row] = await sql.query<ActionTarget>(
    `select m.id, m.conversation_id, m.channel_id, ch.kind, m.direction, m.external_id, m.status, m.metadata->>'deletedAt' is not null as deleted,
            p.external_id as contact_id, p.identifier, p.identifier_type, p.name
     from messages m join channels ch on ch.id = m.channel_id join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
     where m.id = $1 ${orgId ? 'and m.organization_id = $2' : ''}`,
    orgId ? [id, orgId] : [id],
  );
  return row;
}

const META = `(case when jsonb_typeof(metadata) = 'object' then metadata else '{}'::jsonb end)`;

/** Sets keys of a message's metadata and removes others. */
export async function mergeMessageMetadata(sql: Sql, id: string, set: Record<string, unknown>, remove: string[] = []): Promise<void> {
  await sql.query(`update messages set metadata = (${META} || $2::jsonb) - $3::text[], updated_at = now() where id = $1`, [id, pgJson(set), remove]);
}

/** The business's own reaction to a message (`key` in metadata.reactions; an empty emoji removes it). */
export async function setOwnReaction(sql: Sql, id: string, key: string, emoji: string): Promise<void> {
  await sql.query(
    `update messages set updated_at = now(), metadata = jsonb_set(${META}, '{reactions}',
       case when $3 = '' then coalesce(${META}->'reactions', '{}'::jsonb) - $2 else coalesce(${META}->'reactions', '{}'::jsonb) || jsonb_build_object($2::text, $3::text) end)
     where id = $1`,
    [id, key, emoji],
  );
}

/** A sent message's new text, marked edited. */
export async function setEditedContent(sql: Sql, id: string, content: string): Promise<void> {
  await sql.query(`update messages set content = $2, updated_at = now(), metadata = ${META} || jsonb_build_object('edited', true, 'editedAt', now()) where id = $1`, [id, content]);
}

/**
 * A web_chat visitor's conversations' messages as they may see them: theirs, and what was sent
 * to them (not what is still pending or failed), never a private note. $1 channel, $2 visitor id.
 */
const VISITOR_VISIBLE = `messages m join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
  where p.channel_id = $1 and p.external_id = $2 and not m.private and not (m.direction = 'out' and m.status in ('pending', 'failed'))`;

/** A visitor's messages newest first, before a message (by its seq) when given; `limit` rows at most. */
export function visitorMessagesBefore(sql: Sql, channelId: string, visitorId: string, limit: number, beforeSeq?: number): Promise<MessageRow[]> {
  return sql.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from ${VISITOR_VISIBLE}
       ${beforeSeq !== undefined ? 'and (m.timestamp, m.seq) < (select timestamp, seq from messages where seq = $4)' : ''}
     order by m.timestamp desc, m.seq desc limit $3`,
    beforeSeq !== undefined ? [channelId, visitorId, limit, beforeSeq] : [channelId, visitorId, limit],
  );
}

/** Of these messages, the ones a visitor may see, with the visitor (web_chat conversations only). */
export function visitorsOfMessages(sql: Sql, ids: string[]): Promise<{ id: string; visitor_id: string }[]> {
  return sql.query<{ id: string; visitor_id: string }>(
    `select m.id, p.external_id as visitor_id from messages m join conversations c on c.id = m.conversation_id join prospects p on p.id = c.prospect_id
     where m.id = any($1::uuid[]) and m.platform = 'web' and not m.private and not (m.direction = 'out' and m.status in ('pending', 'failed'))`,
    [ids],
  );
}

/** A message by its platform id on a channel. */
export async function messageByExternalId(sql: Sql, channelId: string, externalId: string): Promise<MessageRow | undefined> {
  const [row] = await sql.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages m where m.channel_id = $1 and m.external_id = $2`, [channelId, externalId]);
  return row;
}

/** Outgoing messages a visitor's widget has, from one of `from` to delivered (never a note); returns those that changed. */
export async function markDelivered(sql: Sql, ids: string[], from: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await sql.query<{ id: string }>(
    `update messages set status = 'delivered', updated_at = now()
     where id = any($1::uuid[]) and direction = 'out' and not private and status = any($2::text[]) returning id`,
    [ids, from],
  );
  return rows.map((r) => r.id);
}

/**
 * Everything sent to a visitor is read (never a note), and so is a reply still pending that the
 * widget shows (`shown`: the worker has not yet recorded it as sent); returns those that changed.
 */
export async function markVisitorRepliesRead(sql: Sql, channelId: string, visitorId: string, shown: string[] = []): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `update messages m set status = 'read', updated_at = now() from conversations c, prospects p
     where c.id = m.conversation_id and p.id = c.prospect_id and p.channel_id = $1 and p.external_id = $2
       and m.direction = 'out' and not m.private
       and (m.status in ('sent', 'delivered') or (m.status = 'pending' and m.id = any($3::uuid[]))) returning m.id`,
    [channelId, visitorId, shown],
  );
  return rows.map((r) => r.id);
}
