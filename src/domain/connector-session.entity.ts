import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Channel } from './channel.entity.js';

/** A pull connector's login session (WhatsApp Web's RemoteAuth zip), sealed with HUB_SECRET_KEY; read and written in connector-sessions.ts. */
export const ConnectorSession = defineEntity({
  name: 'ConnectorSession',
  tableName: 'connector_sessions',
  properties: {
    ...baseColumns(),
    channel: () => p.manyToOne(Channel).deleteRule('cascade').unique(),
    data: p.text().hidden(),
  },
});
export type ConnectorSession = InferEntity<typeof ConnectorSession>;
