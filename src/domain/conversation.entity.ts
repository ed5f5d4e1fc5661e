import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';
import { Prospect } from './prospect.entity.js';
import { Client } from './client.entity.js';
import { User } from './user.entity.js';

export const Conversation = defineEntity({
  name: 'Conversation',
  tableName: 'conversations',
  indexes: [
    { name: 'conversations_org_activity_id_idx', expression: 'create index "conversations_org_activity_id_idx" on "conversations" ("organization_id", "last_activity" desc, "id" desc)' },
    {
      name: 'conversations_one_open_per_thread',
      expression:
        'create unique index "conversations_one_open_per_thread" on "conversations" ("prospect_id", "thread_key") where "status" = \'active\'',
    },
  ],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization),
    channel: () => p.manyToOne(Channel).deleteRule('cascade').index(),
    prospect: () => p.manyToOne(Prospect).deleteRule('cascade').index(),
    client: () => p.manyToOne(Client).nullable().index(),
    platform: p.string(),
    status: p.enum(['active', 'closed', 'archived']).default('active'),
    /** '' for chat channels; the thread's root Message-ID for email. */
    threadKey: p.string().default(''),
    subject: p.string().nullable(),
    lastMessage: p.json<Record<string, unknown>>().nullable(),
    lastActivity: p.datetime(),
    lastInboundAt: p.datetime().nullable(),
    unreadCount: p.integer().default(0),
    assignedTo: () => p.manyToOne(User).nullable(),
    tags: p.json<string[]>().default('[]'),
    botEnabled: p.boolean().default(false),
    needsHuman: p.boolean().default(false),
  },
});
export type Conversation = InferEntity<typeof Conversation>;
