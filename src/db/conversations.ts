import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from './sql.js';

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
