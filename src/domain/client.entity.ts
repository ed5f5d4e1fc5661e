import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import type { QuoteTotal } from '../../contract/wire.js';

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
    /** Accepted quotes totalled per currency, kept in step by the quote rules. */
    quoteTotals: p.json<QuoteTotal[]>().default('[]'),
    /** The accepted total when every accepted quote has one currency (0 with none); null when they are mixed. */
    totalValue: p.decimal('number').precision(14).scale(2).nullable(),
  },
});
export type Client = InferEntity<typeof Client>;
