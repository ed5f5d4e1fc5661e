import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';
import { Channel } from './channel.entity.js';

/**
 * Someone using a web_chat channel's widget. Their id is their prospect's external id; a site's
 * verified `identifier` names one visitor per channel, so every device of theirs is the same one.
 */
export const WidgetVisitor = defineEntity({
  name: 'WidgetVisitor',
  tableName: 'widget_visitors',
  uniques: [{ name: 'widget_visitors_channel_identifier_unique', properties: ['channel', 'identifier'] }],
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    channel: () => p.manyToOne(Channel).deleteRule('cascade'),
    identifier: p.string().nullable(),
    name: p.string().nullable(),
    email: p.string().nullable(),
    /** The email came with a verified identity (then it links the prospect to that client). */
    emailVerified: p.boolean().default(false),
    /** The page, referrer and browser of the visitor's latest session. */
    page: p.json<{ url?: string; referrer?: string; browser?: string }>().nullable(),
  },
});
export type WidgetVisitor = InferEntity<typeof WidgetVisitor>;
