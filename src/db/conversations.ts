import type { LastMessage } from '../../contract/wire.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { containing, pgJson, type Sql } from './sql.js';

export const CONVERSATION_COLUMNS = `c.id, c.organization_id, c.channel_id, c.prospect_id, c.client_id, c.platform, c.status, c.last_message,
  c.last_activity, c.last_inbound_at, c.unread_count, c.assigned_to_id, c.tags, c.bot_enabled, c.needs_human,
  c.subject, c.created_at, c.updated_at, ch.kind as channel_kind, ch.name as channel_name,
  p.name as prospect_name, p.identifier as prospect_identifier, p.avatar as prospect_avatar`;
export const CONVERSATION_FROM = `conversations c join channels ch on ch.id = c.channel_id join prospects p on p.id = c.prospect_id`;

/** A conversation with its channel and prospect, as read models take it. */
export type ConversationRow = {
  id: string; organization_id: string; channel_id: string; prospect_id: string; client_id: string | null; platform: string; status: string;
  last_message: LastMessage | null; last_activity: Date; last_inbound_at: Date | null; unread_count: number;
  assigned_to_id: string | null; tags: string[] | null; bot_enabled: boolean; needs_human: boolean; subject: string | null;
  created_at: Date; updated_at: Date; channel_kind: string; channel_name: string;
  prospect_name: string | null; prospect_identifier: string; prospect_avatar: string | null;
};

export function conversationsByIds(sql: Sql, ids: string[]): Promise<ConversationRow[]> {
  return sql.query<ConversationRow>(`select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where c.id = any($1::uuid[])`, [ids]);
}

export async function ownedConversation(sql: Sql, id: string, orgId: string): Promise<ConversationRow | undefined> {
  const [row] = await sql.query<ConversationRow>(`select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where c.id = $1 and c.organization_id = $2`, [id, orgId]);
  return row;
}

export type InboxFilter = {
  status?: string; platform?: string; channelId?: string; clientId?: string; unread?: boolean; search?: string;
  /** A user's id, or null for unassigned. */
  assignedTo?: string | null;
  /** Keyset: (last activity, id) of the last row of the previous page. */
  after?: [string, string];
  limit: number;
};

/** The inbox list: newest activity first, always within the organization. */
export function inboxPage(sql: Sql, orgId: string, f: InboxFilter): Promise<ConversationRow[]> {
  const where = ['c.organization_id = $1'];
  const params: unknown[] = [orgId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (f.status) add('c.status = ?', f.status);
  if (f.platform) add('c.platform = ?', f.platform);
  if (f.channelId) add('c.channel_id = ?', f.channelId);
  if (f.clientId) add('c.client_id = ?', f.clientId);
  if (f.assignedTo === null) where.push('c.assigned_to_id is null');
  else if (f.assignedTo) add('c.assigned_to_id = ?', f.assignedTo);
  if (f.unread) where.push('c.unread_count > 0');
  if (f.search) add(`(p.name ilike ? or p.identifier ilike ? or c.subject ilike ? or c.last_message->>'content' ilike ?)`, containing(f.search));
  if (f.after) {
    params.push(f.after[0], f.after[1]);
    where.push(`(c.last_activity, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(f.limit);
  return sql.query<ConversationRow>(
    `select ${CONVERSATION_COLUMNS} from ${CONVERSATION_FROM} where ${where.join(' and ')}
     order by c.last_activity desc, c.id desc limit $${params.length}`,
    params,
  );
}

export type ConversationChange = { status?: string; assignedTo?: string | null; tags?: string[]; botEnabled?: boolean };

/** An agent's edit; switching the bot on clears the call for a human. Throws Postgres' unique violation (23505) on a second open conversation of a thread. */
export async function updateConversationFields(sql: Sql, id: string, patch: ConversationChange): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (col: string, v: unknown) => {
    params.push(v);
    sets.push(`${col} = $${params.length}`);
  };
  if (patch.status !== undefined) set('status', patch.status);
  if (patch.assignedTo !== undefined) set('assigned_to_id', patch.assignedTo);
  if (patch.tags !== undefined) set('tags', pgJson(patch.tags));
  if (patch.botEnabled !== undefined) {
    set('bot_enabled', patch.botEnabled);
    if (patch.botEnabled) sets.push('needs_human = false');
  }
  if (sets.length) await sql.query(`update conversations set ${sets.join(', ')}, updated_at = now() where id = $1`, params);
}

export async function clearUnread(sql: Sql, id: string): Promise<void> {
  await sql.query('update conversations set unread_count = 0, updated_at = now() where id = $1 and unread_count <> 0', [id]);
}

export type SendTarget = {
  id: string; channel_id: string; platform: string; last_inbound_at: Date | null; kind: string; channel_status: string; resent_id: string | null;
};

/** An organization's conversation with its channel, and the message already sent under this clientMessageId if any. */
export async function sendTarget(sql: Sql, id: string, orgId: string, clientMessageId: string): Promise<SendTarget | undefined> {
  const [row] = await sql.query<SendTarget>(
    `select c.id, c.channel_id, c.platform, c.last_inbound_at, ch.kind, ch.status as channel_status, e.id as resent_id
     from conversations c join channels ch on ch.id = c.channel_id
     left join messages e on e.conversation_id = c.id and e.client_message_id = $3
     where c.id = $1 and c.organization_id = $2`,
    [id, orgId, clientMessageId],
  );
  return row;
}

export type ConversationRoute = { id: string; organization_id: string; assigned_to_id: string | null };

/** Who hears of a conversation's messages: its organization and its assignee. */
export function conversationRoutes(sql: Sql, ids: string[]): Promise<ConversationRoute[]> {
  return sql.query<ConversationRoute>('select id, organization_id, assigned_to_id from conversations where id = any($1::uuid[])', [ids]);
}

/** A prospect's conversations follow it to its client, inside the caller's ORM transaction; returns them. */
export async function linkConversationsToClient(em: EntityManager, prospectId: string, clientId: string): Promise<string[]> {
  const rows: { id: string }[] = await em.getConnection().execute(
    'update conversations set client_id = ?, updated_at = now() where prospect_id = ? returning id',
    [clientId, prospectId], 'all', em.getTransactionContext(),
  );
  return rows.map((r) => r.id);
}

/** The bot steps aside: a person takes the conversation. */
export async function handToHuman(sql: Sql, id: string): Promise<void> {
  await sql.query('update conversations set bot_enabled = false, needs_human = true, updated_at = now() where id = $1', [id]);
}

export type ContactConversation = { id: string; assigned_to_id: string | null; prospect_id: string };

/** A channel contact's (by platform id) current conversation: an active one first, then the latest. */
export async function latestContactConversation(sql: Sql, channelId: string, externalId: string): Promise<ContactConversation | undefined> {
  const [row] = await sql.query<ContactConversation>(
    `select c.id, c.assigned_to_id, p.id as prospect_id from conversations c join prospects p on p.id = c.prospect_id
     where p.channel_id = $1 and p.external_id = $2 order by (c.status = 'active') desc, c.last_activity desc limit 1`,
    [channelId, externalId],
  );
  return row;
}

/** The platform id of a conversation's contact. */
export async function contactExternalId(sql: Sql, conversationId: string): Promise<string | undefined> {
  const [row] = await sql.query<{ external_id: string }>(
    'select p.external_id from conversations c join prospects p on p.id = c.prospect_id where c.id = $1', [conversationId]);
  return row?.external_id;
}
