import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';

export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'organizations',
  properties: {
    ...baseColumns(),
    name: p.string(),
  },
});
export type Organization = InferEntity<typeof Organization>;
