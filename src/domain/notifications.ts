import { z } from 'zod';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import {
  insertNewConversationNotifications, insertNotifications, markAllNotificationsRead, markNotificationRead, unreadCount, userNotifications,
  type NewNotification,
} from '../db/notifications.js';
import type { Actor } from './conversations.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { owned } from './owned.js';
import { notificationView } from './read-models.js';

/** Stores notifications for users of one organization and pushes each to its user. */
export async function notify(deps: Deps, orgId: string, list: NewNotification[]): Promise<void> {
  if (!list.length) return;
  const rows = await withSql(deps.orm, (sql) => insertNotifications(sql, orgId, list));
  deps.live.notifications(rows);
}

/** New conversations nobody is assigned to: every active agent of their organization hears of them. */
export async function notifyNewConversations(deps: Deps, conversationIds: string[]): Promise<void> {
  if (!conversationIds.length) return;
  const rows = await withSql(deps.orm, (sql) => insertNewConversationNotifications(sql, conversationIds));
  deps.live.notifications(rows);
}

/** A line of text for a notification: the start of a message, on one line. */
export const excerpt = (text: string, max = 140) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export const NotificationQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

/** The caller's own notifications, newest first, with their unread total. */
export async function listNotifications(deps: Deps, actor: Actor, q: z.infer<typeof NotificationQuery>) {
  const after = decodeCursor(q.cursor);
  return withSql(deps.orm, async (sql) => {
    const rows = await userNotifications(sql, actor.userId, q.limit + 1, after);
    const items = rows.slice(0, q.limit).map(notificationView);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > q.limit && last ? encodeCursor([last.createdAt, last.id]) : undefined,
      unreadCount: await unreadCount(sql, actor.userId),
    };
  });
}

/** Marks one of the caller's notifications read; someone else's is a 404. */
export async function readNotification(deps: Deps, actor: Actor, id: string) {
  const row = await owned('Notification', id, (id) => withSql(deps.orm, (sql) => markNotificationRead(sql, id, actor.userId)));
  return notificationView(row);
}

export async function readAllNotifications(deps: Deps, actor: Actor) {
  return { marked: await withSql(deps.orm, (sql) => markAllNotificationsRead(sql, actor.userId)) };
}
