import type { IdentifierType, MessageType } from '../../connectors/types.js';
import type { Sql } from './sql.js';

/** Of these messages, the ones in conversations whose bot is on. */
export async function inBotConversations(sql: Sql, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await sql.query<{ id: string }>(
    'select m.id from messages m join conversations c on c.id = m.conversation_id where m.id = any($1::uuid[]) and c.bot_enabled',
    [ids],
  );
  return rows.map((r) => r.id);
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
};

/** An outgoing message with whom it goes to. */
export async function outgoingMessage(sql: Sql, id: string): Promise<OutgoingRow | undefined> {
  const [row] = await sql.query<OutgoingRow>(
    `select m.id, m.status, m.external_id, m.content, m.message_type, m.conversation_id, m.channel_id,
            c.subject, p.external_id as contact_id, p.identifier, p.identifier_type, p.name
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
       error = (select error from waiting)
     where m.id = $1`,
    [id, externalId, channelId],
  );
}

/** A pending message that could not be sent. */
export async function markSendFailed(sql: Sql, id: string, reason: string): Promise<void> {
  await sql.query("update messages set status = 'failed', error = $2, updated_at = now() where id = $1 and status = 'pending'", [id, reason]);
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
    `select direction, content from messages where conversation_id = $1 and id <> $2 and message_type <> 'system'
     order by timestamp desc, seq desc limit 20`,
    [conversationId, exceptId],
  );
  return rows.reverse();
}
