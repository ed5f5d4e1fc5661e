import type { Sql } from './sql.js';

export type NotificationRow = {
  id: string; user_id: string; type: string; conversation_id: string | null; message_id: string | null; text: string;
  read_at: Date | null; created_at: Date;
};
const COLUMNS = 'id, user_id, type, conversation_id, message_id, text, read_at, created_at';

export type NewNotification = { userId: string; type: string; conversationId?: string; messageId?: string; text: string };

/** Notifications for users of one organization, in one statement. */
export function insertNotifications(sql: Sql, orgId: string, list: NewNotification[]): Promise<NotificationRow[]> {
  if (!list.length) return Promise.resolve([]);
  return sql.query<NotificationRow>(
    `insert into notifications (id, created_at, organization_id, user_id, type, conversation_id, message_id, text)
     select gen_random_uuid(), now(), $1, u.* from unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::text[]) u
     returning ${COLUMNS}`,
    [orgId, list.map((n) => n.userId), list.map((n) => n.type), list.map((n) => n.conversationId ?? null), list.map((n) => n.messageId ?? null), list.map((n) => n.text)],
  );
}

/**
 * "A new conversation is waiting": one for every active member of each conversation's
 * organization, for the conversations still unassigned, in one statement.
 */
export function insertNewConversationNotifications(sql: Sql, conversationIds: string[]): Promise<NotificationRow[]> {
  if (!conversationIds.length) return Promise.resolve([]);
  return sql.query<NotificationRow>(
    `insert into notifications (id, created_at, organization_id, user_id, type, conversation_id, text)
     select gen_random_uuid(), now(), c.organization_id, u.id, 'new_conversation', c.id,
            'New conversation from ' || coalesce(p.name, p.identifier)
     from conversations c join prospects p on p.id = c.prospect_id
       join users u on u.organization_id = c.organization_id and not u.disabled
     where c.id = any($1::uuid[]) and c.assigned_to_id is null
     returning ${COLUMNS}`,
    [conversationIds],
  );
}

/** A user's notifications, newest first, after a (created_at, id) key when given. */
export function userNotifications(sql: Sql, userId: string, limit: number, after?: [string, string]): Promise<NotificationRow[]> {
  return sql.query<NotificationRow>(
    `select ${COLUMNS} from notifications where user_id = $1
       ${after ? 'and (created_at, id) < ($3::timestamptz, $4::uuid)' : ''}
     order by created_at desc, id desc limit $2`,
    after ? [userId, limit, ...after] : [userId, limit],
  );
}

export async function unreadCount(sql: Sql, userId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>('select count(*)::int as n from notifications where user_id = $1 and read_at is null', [userId]);
  return row?.n ?? 0;
}

/** Marks one of the user's notifications read (keeping the first time); undefined when it is not theirs. */
export async function markNotificationRead(sql: Sql, id: string, userId: string): Promise<NotificationRow | undefined> {
  const [row] = await sql.query<NotificationRow>(
    `update notifications set read_at = coalesce(read_at, now()) where id = $1 and user_id = $2 returning ${COLUMNS}`,
    [id, userId],
  );
  return row;
}

/** Marks every unread notification of the user read; how many. */
export async function markAllNotificationsRead(sql: Sql, userId: string): Promise<number> {
  const rows = await sql.query('update notifications set read_at = now() where user_id = $1 and read_at is null returning id', [userId]);
  return rows.length;
}
