import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';

/** Admin-editable bot text: a greeting, keyword answers, the handoff word, the fallback reply, a system prompt. */
export const BotPrompt = defineEntity({
  name: 'BotPrompt',
  tableName: 'bot_prompts',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    channel: () => p.manyToOne(Channel).deleteRule('cascade').nullable(),
    kind: p.enum(['greeting', 'keyword', 'handoff', 'system', 'fallback']),
    keyword: p.string().nullable(),
    response: p.text().default(''),
    enabled: p.boolean().default(true),
  },
});
export type BotPrompt = InferEntity<typeof BotPrompt>;
