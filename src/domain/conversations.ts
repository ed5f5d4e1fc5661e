import { z } from 'zod';
import * as wire from '../../contract/wire.js';
import type { Deps } from '../context.js';
import { withSql, type Sql } from '../db/sql.js';
import { badRequest } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { owned } from './owned.js';
import {
  CONVERSATION_COLUMNS, CONVERSATION_FROM, MESSAGE_COLUMNS, conversationView, messageView, type ConversationView,
} from './read-models.js';

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
  const where = ['c.organization_id = $1'];
  const params: unknown[] = [actor.orgId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (f.status) add('c.status = ?', f.status);
  if (f.platform) add('c.platform = ?', f.platform);
  if (f.channelId) add('c.channel_id = ?', f.channelId);
  if (f.clientId) add('c.client_id = ?', f.clientId);
  if (f.assignedTo === 'me') add('c.assigned_to_id = ?', actor.userId);
  else if (f.assignedTo === 'none') where.push('c.assigned_to_id is null');
  else if (f.assignedTo) add('c.assigned_to_id = ?', f.assignedTo);
  if (f.unread) where.push('c.unread_count > 0');
  if (f.search) add(`(p.name ilike ? or p.identifier ilike ? or c.subject ilike ? or c.last_message->>'content' ilike ?)`, `%${f.search.replace(/[%_\\]/g, '\\$&')}%`);
  const cursor = decodeCursor(f.cursor);
  if (cursor) {
    params.push(cursor[0], cursor[1]);
    where.push(`(c.last_activity, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(f.limit + 1);
  const rows = await withSql(deps.orm, (sql) =>
    sql.query(`select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where ${where.join(' and ')}
               order by c.last_activity desc, c.id desc limit $${params.length}`, params),
  );
  const items = rows.slice(0, f.limit).map(conversationView);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor([last.lastActivity, last.id]) : undefined };
}

export async function getConversation(sql: Sql, actor: Actor, id: string): Promise<ConversationView> {
  const row = await owned('Conversation', id, async (id) =>
    (await sql.query(`select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where c.id = $1 and c.organization_id = $2`, [id, actor.orgId]))[0]);
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
 */
export async function loadThread(deps: Deps, actor: Actor, q: z.infer<typeof MessagePage>) {
  return withSql(deps.orm, async (sql) => {
    const conversation = await getConversation(sql, actor, q.conversationId);
    if (q.after !== undefined) {
      const rows = await sql.query(
        `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 and m.seq > $2 order by m.seq limit $3`,
        [conversation.id, q.after, q.limit + 1],
      );
      const items = rows.slice(0, q.limit).map((r) => messageView(r, deps.signer));
      items.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq);
      return { conversation, items, hasMore: rows.length > q.limit };
    }
    const rows = await sql.query(
      `select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1
         ${q.before !== undefined ? 'and (m.timestamp, m.seq) < (select timestamp, seq from messages where conversation_id = $1 and seq = $3)' : ''}
       order by m.timestamp desc, m.seq desc limit $2`,
      q.before !== undefined ? [conversation.id, q.limit + 1, q.before] : [conversation.id, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).reverse().map((r) => messageView(r, deps.signer));
    return { conversation, items, hasMore: rows.length > q.limit };
  });
}

export const ConversationPatch = z.object({
  status: wire.ConversationStatus.optional(),
  assignedTo: z.uuid().nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
  botEnabled: z.boolean().optional(),
});

/** Status, assignee, tags and the bot switch; every agent of the organization hears of it. */
export async function updateConversation(deps: Deps, actor: Actor, id: string, patch: z.infer<typeof ConversationPatch>) {
  const view = await withSql(deps.orm, async (sql) => {
    await getConversation(sql, actor, id);
    if (patch.assignedTo) {
      const [user] = await sql.query('select id from users where id = $1 and organization_id = $2 and not disabled', [patch.assignedTo, actor.orgId]);
      if (!user) throw badRequest('assignedTo is not an agent of this organization', 'invalid_assignee');
    }
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.assignedTo !== undefined) set('assigned_to_id', patch.assignedTo);
    if (patch.tags !== undefined) set('tags', JSON.stringify([...new Set(patch.tags)]));
    if (patch.botEnabled !== undefined) {
      set('bot_enabled', patch.botEnabled);
      if (patch.botEnabled) sets.push('needs_human = false');
    }
    if (sets.length) {
      try {
        await sql.query(`update conversations set ${sets.join(', ')}, updated_at = now() where id = $1`, params);
      } catch (e) {
        // Reopening when the prospect already has another open conversation on this thread.
        if ((e as { code?: string }).code === '23505') throw badRequest('This prospect already has an open conversation', 'conflict');
        throw e;
      }
    }
    return getConversation(sql, actor, id);
  });
  await deps.live.publish({ conversations: [view.id] });
  return view;
}

/** Zeroes the unread count for everyone. */
export async function markAsRead(deps: Deps, actor: Actor, id: string) {
  const view = await withSql(deps.orm, async (sql) => {
    await getConversation(sql, actor, id);
    await sql.query('update conversations set unread_count = 0, updated_at = now() where id = $1 and unread_count <> 0', [id]);
    return getConversation(sql, actor, id);
  });
  await deps.live.publish({ conversations: [view.id] });
  return view;
}
