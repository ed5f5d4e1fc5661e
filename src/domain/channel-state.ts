import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlOf } from '../db/sql.js';
import { writeChannelState } from '../db/channels.js';
import type { ChannelPairing } from '../../contract/wire.js';

/** The health a running channel reports; `disabled` is an admin's edit (updateChannel), never set here. */
export type ChannelState = 'active' | 'connecting' | 'pairing' | 'error' | 'needs_auth';

/** What a state change reaches: the database, every process's channel cache, the admins' sockets. */
export type ChannelStateDeps = {
  orm: MikroORM;
  channels: { changed(id: string, what?: 'status'): Promise<void> };
  live: { channel(id: string, orgId: string): Promise<void> };
};

/**
 * The one way a channel's health changes. Written only when it differs and never over a
 * disabled channel; then every process drops its cached copy and the organization's admins
 * see it live. `pairing` (the QR or code to link a WhatsApp Web phone) is kept only while the
 * state is `pairing`; a rotated QR is a change. Returns whether anything changed.
 */
export async function setChannelState(
  deps: ChannelStateDeps, channelId: string, orgId: string, state: ChannelState, reason: string | null = null, pairing: ChannelPairing | null = null,
): Promise<boolean> {
  const kept = state === 'pairing' && pairing ? pairing : null;
  if (!(await writeChannelState(sqlOf(deps.orm), channelId, state, reason, kept))) return false;
  await deps.channels.changed(channelId, 'status');
  await deps.live.channel(channelId, orgId);
  return true;
}
