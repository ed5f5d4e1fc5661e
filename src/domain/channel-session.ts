import type { Channel } from './channel.entity.js';
import { setChannelState, type ChannelStateDeps } from './channel-state.js';
import { sessionStore } from './connector-sessions.js';
import type { SecretBox } from '../security/crypto.js';
import { conflict } from '../errors.js';

type Deps = ChannelStateDeps & { box: SecretBox; channels: ChannelStateDeps['channels'] & { changed(id: string, what?: 'all' | 'status' | 'logout'): Promise<void> } };

/** Channels whose login is a session the hub keeps (WhatsApp Web): these log out and reconnect. */
function sessionChannel(channel: Channel) {
  if (channel.kind !== 'whatsapp_web') throw conflict('unsupported', 'Only WhatsApp Web channels have a session to log out of or reconnect');
  if (channel.status === 'disabled') throw conflict('channel_disabled', 'The channel is disabled: enable it first');
  return { id: channel.id, orgId: channel.organization.id };
}

/** Unlinks the device (by the worker running the session) and forgets the stored session: a new QR follows. */
export async function logoutSession(deps: Deps, channel: Channel): Promise<void> {
  const { id, orgId } = sessionChannel(channel);
  await sessionStore(deps, id).delete();
  await setChannelState(deps, id, orgId, 'connecting', 'Logged out: a new QR code follows');
  await deps.channels.changed(id, 'logout');
}

/** Restarts the session now, whatever its backoff was waiting for. */
export async function reconnectSession(deps: Deps, channel: Channel): Promise<void> {
  const { id, orgId } = sessionChannel(channel);
  await setChannelState(deps, id, orgId, 'connecting', 'Reconnecting on request');
  await deps.channels.changed(id, 'all');
}
