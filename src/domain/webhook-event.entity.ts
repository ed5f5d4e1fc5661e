import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';

/** An accepted raw webhook payload (secrets redacted), kept for replay and debugging. */
export const WebhookEvent = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_events',
  indexes: [{ name: 'webhook_events_expires_idx', properties: ['expiresAt'] }],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization),
    channel: () => p.manyToOne(Channel).deleteRule('cascade').index(),
    jobId: p.string().unique(),
    payload: p.text(),
    contentType: p.string().nullable(),
    outcome: p.string().default('received'),
    detail: p.text().nullable(),
    expiresAt: p.datetime(),
  },
});
export type WebhookEvent = InferEntity<typeof WebhookEvent>;
