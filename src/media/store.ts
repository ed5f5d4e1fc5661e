import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** The hub's media store: a local folder by default (shared between API and worker processes). */
export class MediaStore {
  constructor(private readonly root: string) {}

  private path(orgId: string, attachmentId: string) {
    return join(this.root, orgId, attachmentId);
  }

  /**
   * Written to a temporary name first, so a reader never sees half a file; a stream is written as
   * it arrives (never held in memory), and one that fails midway leaves nothing behind.
   */
  async put(orgId: string, attachmentId: string, data: Buffer | AsyncIterable<Uint8Array>): Promise<string> {
    const dir = join(this.root, orgId);
    await mkdir(dir, { recursive: true });
    const final = this.path(orgId, attachmentId);
    const tmp = `${final}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return `${orgId}/${attachmentId}`;
  }

  async remove(storagePath: string): Promise<void> {
    await rm(join(this.root, storagePath), { force: true });
  }

  async read(storagePath: string): Promise<Buffer> {
    return readFile(join(this.root, storagePath));
  }

  async open(storagePath: string): Promise<{ stream: NodeJS.ReadableStream; size: number } | null> {
    const full = join(this.root, storagePath);
    const info = await stat(full).catch(() => null);
    if (!info) return null;
    return { stream: createReadStream(full), size: info.size };
  }
}
