import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';

export const Client = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    firstName: p.string(),
    lastName: p.string().default(''),
    email: p.string().default(''),
    phone: p.string().default(''),
    company: p.string().nullable(),
    status: p.enum(['active', 'inactive']).default('active'),
    tags: p.json<string[]>().default('[]'),
    /** Sum of accepted quotes, kept in step by the quote rules. */
    totalValue: p.decimal('number').precision(14).scale(2).default(0),
  },
});
export type Client = InferEntity<typeof Client>;
