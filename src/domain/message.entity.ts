import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';
import { Conversation } from './conversation.entity.js';
import { MESSAGE_STATUSES } from '../../contract/message-status.js';

export { MESSAGE_STATUSES, type MessageStatus } from '../../contract/message-status.js';

export const Message = defineEntity({
  name: 'Message',
  tableName: 'messages',
  uniques: [
    { name: 'messages_channel_external_unique', properties: ['channel', 'externalId'] },
    { name: 'messages_conversation_client_id_unique', properties: ['conversation', 'clientMessageId'] },
  ],
  indexes: [
    { name: 'messages_conversation_time_idx', properties: ['conversation', 'timestamp', 'seq'] },
    // Search (src/db/search.ts, migration Migration20261201201500_agent_tools).
    { name: 'messages_org_time_idx', properties: ['organization', 'timestamp', 'seq'] },
    { name: 'messages_search_fts_idx', expression: 'create index "messages_search_fts_idx" on "messages" using gin ("search_vector")' },
    { name: 'messages_search_trgm_idx', expression: 'create index "messages_search_trgm_idx" on "messages" using gin (public.hub_unaccent("content") public.gin_trgm_ops)' },
  ],
  properties: {
    ...baseColumns(),
    /** Insertion order: breaks ties between messages of the same platform second. */
    seq: p.bigint('number').autoincrement().returning(),
    // Indexed by messages_org_time_idx (organization_id first).
    organization: () => p.manyToOne(Organization),
    channel: () => p.manyToOne(Channel).deleteRule('cascade'),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    externalId: p.string().nullable(),
    clientMessageId: p.string().nullable(),
    direction: p.enum(['in', 'out']),
    senderType: p.enum(['prospect', 'agent', 'bot']),
    senderId: p.string(),
    content: p.text().default(''),
    messageType: p.string(),
    platform: p.string(),
    /** The platform's time for the message; lists are ordered by it. */
    timestamp: p.datetime(),
    status: p.enum([...MESSAGE_STATUSES]),
    error: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    /** An internal note: agents only, never sent to the platform nor shown to a visitor. */
    private: p.boolean().default(false),
    /** Kept by Postgres for search (never loaded): the content's words, accents folded. */
    searchVector: p.type('tsvector').generated("(to_tsvector('hub_search'::regconfig, content)) stored").lazy().nullable().ignoreSchemaChanges('type', 'extra'),
  },
});
export type Message = InferEntity<typeof Message>;
