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
