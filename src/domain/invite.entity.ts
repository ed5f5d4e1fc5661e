import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { ROLES, User } from './user.entity.js';

/** An admin's invitation to join an organization: a one-time link, kept only as a SHA-256 of its token. */
export const Invite = defineEntity({
  name: 'Invite',
  tableName: 'invites',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade').index(),
    email: p.string(),
    name: p.string().nullable(),
    role: p.enum([...ROLES]),
    tokenHash: p.string().unique().hidden(),
    expiresAt: p.datetime(),
    invitedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    acceptedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type Invite = InferEntity<typeof Invite>;
