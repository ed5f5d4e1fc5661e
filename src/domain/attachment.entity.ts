import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Message } from './message.entity.js';

/** A message's file: recorded at once, fetched into the media store by its own job. */
export const Attachment = defineEntity({
  name: 'Attachment',
  tableName: 'attachments',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization),
    /** Null for an agent's upload not yet sent. */
    message: () => p.manyToOne(Message).deleteRule('cascade').nullable().index(),
    kind: p.string(),
    fileName: p.string().nullable(),
    fileSize: p.integer().nullable(),
    mimeType: p.string().nullable(),
    /** Where the platform keeps it: a media id (Graph API) or a URL. */
    source: p.text(),
    storagePath: p.string().nullable(),
    status: p.enum(['pending', 'ready', 'failed']).default('pending'),
    error: p.text().nullable(),
    attempts: p.integer().default(0),
  },
});
export type Attachment = InferEntity<typeof Attachment>;
