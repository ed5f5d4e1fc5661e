import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';

export const ROLES = ['owner', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    email: p.string().unique(),
    name: p.string(),
    role: p.enum([...ROLES]),
    passwordHash: p.string().hidden(),
    disabled: p.boolean().default(false),
  },
});
export type User = InferEntity<typeof User>;
