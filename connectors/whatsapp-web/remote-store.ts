import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionStore } from '../types.js';
import { whatsappWebLoaded } from './client.js';

/**
 * whatsapp-web.js RemoteAuth's store interface (`sessionExists/save/extract/delete`) over the
 * hub's session row: RemoteAuth zips the profile to `<dataPath>/<session>.zip` before `save`
 * and unzips what `extract` writes to `path`. One store serves one channel, so `session` only
 * names the file.
 */
export class HubRemoteStore {
  constructor(private readonly store: SessionStore, private readonly dataPath: string) {}

  async sessionExists(_: { session: string }): Promise<boolean> {
    return (await this.store.load()) !== null;
  }

  async save({ session }: { session: string }): Promise<void> {
    await this.store.save(await readFile(join(this.dataPath, `${session}.zip`)));
  }

  async extract({ path }: { session: string; path: string }): Promise<void> {
    const zip = await this.store.load();
    if (zip) await writeFile(path, zip);
  }

  async delete(_: { session: string }): Promise<void> {
    await this.store.delete();
  }
}

/** A RemoteAuth strategy for one channel, kept in the hub's database. */
export function remoteAuth(store: SessionStore, opts: { clientId: string; dataPath: string; backupSyncIntervalMs: number }) {
  return new (whatsappWebLoaded().RemoteAuth)({ store: new HubRemoteStore(store, opts.dataPath), clientId: opts.clientId, dataPath: opts.dataPath, backupSyncIntervalMs: opts.backupSyncIntervalMs });
}

/** Where a session keeps nothing: no store offered (a PullContext without one). */
export const memoryStore = (): SessionStore => {
  let data: Buffer | null = null;
  return { load: async () => data, save: async (d) => void (data = d), delete: async () => void (data = null) };
};
