import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { baseColumns } from './columns.js';
import { Organization } from './organization.entity.js';

import { ChannelStatus, type ChannelPairing } from '../../contract/wire.js';

export const CHANNEL_STATUSES = ChannelStatus.options;

export const Channel = defineEntity({
  name: 'Channel',
  tableName: 'channels',
  properties: {
    ...baseColumns(),
    organization: () => p.manyToOne(Organization).index(),
    kind: p.string(),
    platform: p.string(),
    name: p.string(),
    status: p.enum([...CHANNEL_STATUSES]).default('active'),
    statusReason: p.text().nullable(),
    /** AES-256-GCM sealed JSON of every credential field (see src/security/crypto.ts). */
    credentials: p.text().hidden(),
    botEnabledDefault: p.boolean().default(false),
    /** Connector-owned cursor (IMAP UIDVALIDITY/UID, Telegram update_id, ...). */
    cursor: p.json<Record<string, unknown>>().nullable(),
    /** While `pairing` (WhatsApp Web): the QR or code to link the phone with, and when it expires. */
    pairing: p.json<ChannelPairing>().nullable(),
  },
});
export type Channel = InferEntity<typeof Channel>;
