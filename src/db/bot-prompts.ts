import type { Sql } from './sql.js';

export type BotPromptRow = { kind: 'greeting' | 'keyword' | 'handoff' | 'system'; keyword: string | null; response: string; enabled: boolean };

/** The enabled prompts of an organization for a channel (its own and the organization-wide ones). */
export function enabledPrompts(sql: Sql, orgId: string, channelId: string): Promise<BotPromptRow[]> {
  return sql.query<BotPromptRow>(
    `select kind, keyword, response, enabled from bot_prompts where organization_id = $1 and (channel_id is null or channel_id = $2) and enabled`,
    [orgId, channelId],
  );
}
