import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from './organization.entity.js';

/**
 * One admin action: who (kept as id and email, so it outlives the user), what, on which
 * record, and when. `details` never holds a secret: credential changes list field names only.
 */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  indexes: [{ name: 'audit_log_org_time_idx', properties: ['organization', 'createdAt', 'id'] }],
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    createdAt: p.datetime().onCreate(() => new Date()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    actorId: p.uuid().nullable(),
    actorEmail: p.string().nullable(),
    action: p.string(),
    targetType: p.string().nullable(),
    targetId: p.string().nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    address: p.string().nullable(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;
