import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Client } from './client.entity.js';

export const Quote = defineEntity({
  name: 'Quote',
  tableName: 'quotes',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client).deleteRule('cascade').index(),
    title: p.string(),
    amount: p.decimal('number').precision(14).scale(2),
    currency: p.string().length(3),
    status: p.enum(['draft', 'sent', 'accepted', 'rejected']).default('draft'),
  },
});
export type Quote = InferEntity<typeof Quote>;
