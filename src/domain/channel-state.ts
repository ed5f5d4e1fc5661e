import type { MikroORM } from '@mikro-orm/postgresql';

/** The health a running channel reports; `disabled` is an admin's edit (updateChannel), never set here. */
export type ChannelState = 'active' | 'error' | 'needs_auth';

/** What a state change reaches: the database, every process's channel cache, the admins' sockets. */
export type ChannelStateDeps = {
  orm: MikroORM;
  channels: { changed(id: string, what?: 'status'): Promise<void> };
  live: { channel(id: string, orgId: string): Promise<void> };
};

/**
 * The one way a channel's health changes. Written only when it differs and never over a
 * disabled channel; then every process drops its cached copy and the organization's admins
 * see it live. Returns whether anything changed.
 */
export async function setChannelState(deps: ChannelStateDeps, channelId: string, orgId: string, state: ChannelState, reason: string | null = null): Promise<boolean> {
  const rows = await deps.orm.em.getConnection().execute(
    "update channels set status = ?, status_reason = ?, updated_at = now() where id = ? and status <> 'disabled' and (status <> ? or status_reason is distinct from ?) returning id",
    [state, reason, channelId, state, reason],
  );
  if (!rows.length) return false;
  await deps.channels.changed(channelId, 'status');
  await deps.live.channel(channelId, orgId);
  return true;
}
