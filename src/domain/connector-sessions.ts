import type { MikroORM } from '@mikro-orm/postgresql';
import type { SessionStore } from '../../connectors/types.js';
import type { SecretBox } from '../security/crypto.js';
import { sqlOf } from '../db/sql.js';
import { deleteSession, saveSealedSession, sealedSession } from '../db/connector-sessions.js';

type SessionDeps = { orm: MikroORM; box: SecretBox };

/**
 * A pull connector's login session (WhatsApp Web's RemoteAuth zip), one row per channel,
 * sealed with HUB_SECRET_KEY: whichever worker holds the channel's lease resumes it.
 */
export function sessionStore(deps: SessionDeps, channelId: string): SessionStore {
  const sql = sqlOf(deps.orm);
  return {
    async load() {
      const sealed = await sealedSession(sql, channelId);
      return sealed ? Buffer.from(deps.box.open(sealed), 'base64') : null;
    },
    save: (data) => saveSealedSession(sql, channelId, deps.box.seal(data.toString('base64'))),
    delete: () => deleteSession(sql, channelId),
  };
}
