import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Client } from './client.entity.js';
import { User } from './user.entity.js';

export const Note = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client).deleteRule('cascade').index(),
    author: () => p.manyToOne(User).nullable(),
    content: p.text(),
  },
});
export type Note = InferEntity<typeof Note>;
