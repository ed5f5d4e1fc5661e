import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';

/** A canned response: its table's shape for the schema check; read and written through src/db/canned-responses.ts. */
export const CannedResponse = defineEntity({
  name: 'CannedResponse',
  tableName: 'canned_responses',
  uniques: [{ name: 'canned_responses_org_code_unique', properties: ['organization', 'shortCode'] }],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    shortCode: p.string().length(64),
    content: p.text(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});
export type CannedResponse = InferEntity<typeof CannedResponse>;
