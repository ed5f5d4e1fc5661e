import type { MikroORM } from '@mikro-orm/postgresql';
import type { SessionStore } from '../../connectors/types.js';
import type { SecretBox } from '../security/crypto.js';

type SessionDeps = { orm: MikroORM; box: SecretBox };

/**
 * A pull connector's login session (WhatsApp Web's RemoteAuth zip), one row per channel,
 * sealed with HUB_SECRET_KEY: whichever worker holds the channel's lease resumes it.
 */
export function sessionStore(deps: SessionDeps, channelId: string): SessionStore {
  const conn = () => deps.orm.em.getConnection();
  return {
    async load() {
      const [row] = await conn().execute('select data from connector_sessions where channel_id = ?', [channelId]);
      return row ? Buffer.from(deps.box.open(row.data), 'base64') : null;
    },
    async save(data) {
      await conn().execute(
        `insert into connector_sessions (id, created_at, updated_at, channel_id, data) values (gen_random_uuid(), now(), now(), ?, ?)
         on conflict (channel_id) do update set data = excluded.data, updated_at = now()`,
        [channelId, deps.box.seal(data.toString('base64'))],
      );
    },
    async delete() {
      await conn().execute('delete from connector_sessions where channel_id = ?', [channelId]);
    },
  };
}
