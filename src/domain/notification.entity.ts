import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';
import { Conversation } from './conversation.entity.js';
import { Message } from './message.entity.js';

export const NOTIFICATION_TYPES = ['mention', 'assigned', 'new_conversation'] as const;

/** Something an agent should look at: a mention, a conversation given to them, a new one waiting. */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  indexes: [{ name: 'notifications_user_time_idx', properties: ['user', 'createdAt', 'id'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    createdAt: p.datetime().onCreate(() => new Date()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    type: p.enum([...NOTIFICATION_TYPES]),
    conversation: () => p.manyToOne(Conversation).nullable().deleteRule('cascade'),
    message: () => p.manyToOne(Message).nullable().deleteRule('set null'),
    text: p.text(),
    readAt: p.datetime().nullable(),
  },
});
export type Notification = InferEntity<typeof Notification>;
