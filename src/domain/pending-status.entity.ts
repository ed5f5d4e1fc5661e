import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Channel } from './channel.entity.js';

/** A delivery status that arrived before its message; applied when the message is stored. */
export const PendingStatus = defineEntity({
  name: 'PendingStatus',
  tableName: 'pending_statuses',
  uniques: [{ name: 'pending_statuses_channel_external_unique', properties: ['channel', 'externalId'] }],
  properties: {
    ...baseColumns(),
    channel: () => p.manyToOne(Channel).deleteRule('cascade'),
    externalId: p.string(),
    status: p.string(),
    error: p.text().nullable(),
  },
});
export type PendingStatus = InferEntity<typeof PendingStatus>;
