import { z } from 'zod';
import * as wire from '../../contract/wire.js';
import type { Deps } from '../context.js';
import { withSql, type Sql } from '../db/sql.js';
import { AppError, badRequest } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { clearUnread, inboxPage, ownedConversation, updateConversationFields } from '../db/conversations.js';
import { messagesAfter, messagesBefore } from '../db/messages.js';
import { isActiveMember } from '../db/users.js';
import { owned } from './owned.js';
import { notify } from './notifications.js';
import { conversationView, messageView, type ConversationView } from './read-models.js';
import { replicaRead } from './replica-reads.js';

export type Actor = { userId: string; orgId: string; role: string; name?: string };

export const ConversationFilter = z.object({
  status: wire.ConversationStatus.optional(),
  platform: wire.Platform.optional(),
  channelId: z.uuid().optional(),
  assignedTo: z.union([z.literal('me'), z.literal('none'), z.uuid()]).optional(),
  unread: z.coerce.boolean().optional(),
  search: z.string().trim().max(200).optional(),
  clientId: z.uuid().optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});
export type ConversationFilter = z.infer<typeof ConversationFilter>;

/** The inbox list: newest activity first, keyset-paginated, always within the caller's organization. */
export async function listConversations(deps: Deps, actor: Actor, f: ConversationFilter) {
  const assignedTo = f.assignedTo === 'me' ? actor.userId : f.assignedTo === 'none' ? null : f.assignedTo;
  const rows = await replicaRead(deps, actor.userId, (sql) => inboxPage(sql, actor.orgId, { ...f, assignedTo, after: decodeCursor(f.cursor), limit: f.limit + 1 }));
  const items = rows.slice(0, f.limit).map(conversationView);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor([last.lastActivity, last.id]) : undefined };
}

export async function getConversation(sql: Sql, actor: Actor, id: string): Promise<ConversationView> {
  const row = await owned('Conversation', id, (id) => ownedConversation(sql, id, actor.orgId));
  return conversationView(row);
}

export const MessagePage = z.object({
  conversationId: z.string().max(64),
  before: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * A page of a thread, oldest to newest. `before` pages back through history; `after` fetches
 * what arrived since a message the client already holds (catch-up after a reconnect).
 * Only history pages may come from a replica: the newest page and a catch-up are what the live
 * stream continues from (the socket joins the room right after), so a lagging one would leave a
 * hole nobody asks about again.
 */
export async function loadThread(deps: Deps, actor: Actor, q: z.infer<typeof MessagePage>) {
  const page = (sql: Sql) => threadPage(deps, sql, actor, q);
  if (q.before === undefined || q.after !== undefined) return withSql(deps.orm, page);
  // Empty or not found: the cursor or the conversation may be too new for the replica.
  const older = await replicaRead(deps, actor.userId, page).catch((e) => (e instanceof AppError && e.status === 404 ? undefined : Promise.reject(e)));
  return older?.items.length ? older : withSql(deps.orm, page);
}

async function threadPage(deps: Deps, sql: Sql, actor: Actor, q: z.infer<typeof MessagePage>) {
  const conversation = await getConversation(sql, actor, q.conversationId);
  if (q.after !== undefined) {
    const rows = await messagesAfter(sql, conversation.id, q.after, q.limit + 1);
    const items = rows.slice(0, q.limit).map((r) => messageView(r, deps.signer));
    items.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq);
    return { conversation, items, hasMore: rows.length > q.limit };
  }
  const rows = await messagesBefore(sql, conversation.id, q.limit + 1, q.before);
  const items = rows.slice(0, q.limit).reverse().map((r) => messageView(r, deps.signer));
  return { conversation, items, hasMore: rows.length > q.limit };
}

export const ConversationPatch = z.object({
  status: wire.ConversationStatus.optional(),
  assignedTo: z.uuid().nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
  botEnabled: z.boolean().optional(),
});

/** Status, assignee, tags and the bot switch; every agent of the organization hears of it. */
export async function updateConversation(deps: Deps, actor: Actor, id: string, patch: z.infer<typeof ConversationPatch>) {
  const { before, view } = await withSql(deps.orm, async (sql) => {
    const before = await getConversation(sql, actor, id);
    if (patch.assignedTo && !(await isActiveMember(sql, patch.assignedTo, actor.orgId))) {
      throw badRequest('assignedTo is not an agent of this organization', 'invalid_assignee');
    }
    try {
      await updateConversationFields(sql, id, { ...patch, tags: patch.tags && [...new Set(patch.tags)] });
    } catch (e) {
      // Reopening when the prospect already has another open conversation on this thread.
      if ((e as { code?: string }).code === '23505') throw badRequest('This prospect already has an open conversation', 'conflict');
      throw e;
    }
    return { before, view: await getConversation(sql, actor, id) };
  });
  await deps.live.publish({ conversations: [view.id] });
  // "Assigned to you": to the new assignee, when someone else gave it to them.
  if (view.assignedTo && view.assignedTo !== before.assignedTo && view.assignedTo !== actor.userId) {
    const who = view.prospect.name ?? view.prospect.identifier;
    await notify(deps, actor.orgId, [{ userId: view.assignedTo, type: 'assigned', conversationId: view.id, text: `${actor.name ?? 'An agent'} assigned you the conversation with ${who}` }]);
  }
  return view;
}

/** Zeroes the unread count for everyone. */
export async function markAsRead(deps: Deps, actor: Actor, id: string) {
  const view = await withSql(deps.orm, async (sql) => {
    await getConversation(sql, actor, id);
    await clearUnread(sql, id);
    return getConversation(sql, actor, id);
  });
  await deps.live.publish({ conversations: [view.id] });
  return view;
}
