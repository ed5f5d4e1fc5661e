/**
 * The built scripts, styles and pages sent compressed (Brotli, else gzip) to browsers that
 * accept it. Each file is compressed once, off the event loop, and kept: built files never
 * change under one name (a rebuild changes the key's mtime).
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

const ENCODERS: Record<Encoding, (data: Buffer) => Promise<Buffer>> = {
  br: (data) => promisify(brotliCompress)(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
  gzip: (data) => promisify(gzip)(data, { level: 9 }),
};

/** Text worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /^(?:text\/|application\/(?:json|manifest\+json)|image\/svg\+xml)/;
/** Below this a compressed answer saves nothing worth the header. */
const MIN_BYTES = 1024;
/** Distinct files kept compressed (a few dozen in a build; rebuilds while running add more). */
const MAX_ENTRIES = 256;

/** The encoding to answer with from `Accept-Encoding`: br over gzip, none when absent or refused (q=0). */
export function pickEncoding(accept: string | undefined): Encoding | undefined {
  if (!accept) return undefined;
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = weight ? Number(weight.slice(2)) : 1;
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  const accepted = (e: Encoding) => (q.get(e) ?? q.get('*') ?? 0) > 0;
  return accepted('br') ? 'br' : accepted('gzip') ? 'gzip' : undefined;
}

export class CompressedFiles {
  private readonly cache = new Map<string, Promise<Buffer>>();

  /**
   * The body and headers to send `data` (the file named by `key`) with: compressed when the type
   * is text, the file is not tiny and the browser accepts an encoding. `Vary` either way, so a
   * cache never hands the compressed bytes to a browser that did not ask for them.
   */
  async encode(key: string, data: Buffer, contentType: string, acceptEncoding: string | undefined): Promise<{ body: Buffer; headers: Record<string, string> }> {
    if (!COMPRESSIBLE.test(contentType)) return { body: data, headers: {} };
    const vary = { vary: 'Accept-Encoding' };
    const encoding = data.length >= MIN_BYTES ? pickEncoding(acceptEncoding) : undefined;
    if (!encoding) return { body: data, headers: vary };
    const body = await this.compressed(`${encoding}:${key}`, data, encoding);
    return { body, headers: { ...vary, 'content-encoding': encoding } };
  }

  private compressed(key: string, data: Buffer, encoding: Encoding): Promise<Buffer> {
    let entry = this.cache.get(key);
    if (!entry) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      entry = ENCODERS[encoding](data);
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
    }
    return entry;
  }
}
