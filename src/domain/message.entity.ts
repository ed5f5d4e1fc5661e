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
  indexes: [{ name: 'messages_conversation_time_idx', properties: ['conversation', 'timestamp', 'seq'] }],
  properties: {
    ...baseColumns(),
    /** Insertion order: breaks ties between messages of the same platform second. */
    seq: p.bigint('number').autoincrement().returning(),
    organization: () => p.manyToOne(Organization).index(),
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
  },
});
export type Message = InferEntity<typeof Message>;
