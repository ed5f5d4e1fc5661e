import type { Sql } from './sql.js';

export type BotPromptRow = { kind: 'greeting' | 'keyword' | 'handoff' | 'system'; keyword: string | null; response: string; enabled: boolean };

/** The enabled prompts of an organization for a channel (its own and the organization-wide ones). */
export function enabledPrompts(sql: Sql, orgId: string, channelId: string): Promise<BotPromptRow[]> {
  return sql.query<BotPromptRow>(
    `select kind, keyword, response, enabled from bot_prompts where organization_id = $1 and (channel_id is null or channel_id = $2) and enabled`,
    [orgId, channelId],
  );
}

/** The keywords of a channel's enabled keyword prompts (its own and the organization-wide ones), oldest first. */
export async function promptKeywords(sql: Sql, orgId: string, channelId: string, limit: number): Promise<string[]> {
  const rows = await sql.query<{ keyword: string }>(
    `select keyword from bot_prompts where organization_id = $1 and kind = 'keyword' and enabled and keyword is not null
       and (channel_id = $2 or channel_id is null) order by created_at limit $3`,
    [orgId, channelId, limit],
  );
  return rows.map((r) => r.keyword);
}
