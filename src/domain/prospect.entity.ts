import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';
import { Client } from './client.entity.js';

/** A person as one channel knows them: unique per channel and platform user id. */
export const Prospect = defineEntity({
  name: 'Prospect',
  tableName: 'prospects',
  uniques: [{ name: 'prospects_channel_external_unique', properties: ['channel', 'externalId'] }],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    channel: () => p.manyToOne(Channel).deleteRule('cascade'),
    platform: p.string(),
    externalId: p.string(),
    identifier: p.string(),
    identifierType: p.enum(['phone', 'email', 'social']),
    name: p.string().nullable(),
    avatar: p.string().nullable(),
    client: () => p.manyToOne(Client).nullable().index(),
    lastSeen: p.datetime().nullable(),
  },
});
export type Prospect = InferEntity<typeof Prospect>;
