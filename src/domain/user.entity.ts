import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';

import { Role } from '../../contract/wire.js';

export const ROLES = Role.options;
export type { Role };

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  // Unique per organization only: another tenant's admin cannot learn who has an account elsewhere.
  uniques: [{ name: 'users_organization_email_unique', properties: ['organization', 'email'] }],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    email: p.string().index(),
    name: p.string(),
    role: p.enum([...ROLES]),
    passwordHash: p.string().hidden(),
    disabled: p.boolean().default(false),
    /** In every token issued; raised on password change, disable and role change, so older tokens stop working. */
    tokenVersion: p.integer().default(0),
  },
});
export type User = InferEntity<typeof User>;
