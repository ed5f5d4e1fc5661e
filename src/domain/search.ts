import { z } from 'zod';
import type { Deps } from '../context.js';
import { searchMessages, snippetFor } from '../db/search.js';
import type { Actor } from './conversations.js';
import { loadConversations, loadMessages } from './read-models.js';
import { replicaRead } from './replica-reads.js';

export const SearchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** Every message of the caller's organization matching `q`, newest first, each with its conversation and a snippet; a replica may answer. */
export async function searchHistory(deps: Deps, actor: Actor, query: z.infer<typeof SearchQuery>) {
  return replicaRead(deps, actor.userId, async (sql) => {
    const rows = await searchMessages(sql, actor.orgId, query.q, query.limit);
    const [messages, conversations] = await Promise.all([
      loadMessages(sql, rows.map((r) => r.id), deps.signer),
      loadConversations(sql, [...new Set(rows.map((r) => r.conversation_id))]),
    ]);
    const messageById = new Map(messages.map((m) => [m.id, m]));
    const conversationById = new Map(conversations.map((c) => [c.id, c]));
    return {
      items: rows.flatMap((r) => {
        const message = messageById.get(r.id);
        const conversation = conversationById.get(r.conversation_id);
        return message && conversation ? [{ message, conversation, snippet: snippetFor(r, query.q) }] : [];
      }),
    };
  });
}
