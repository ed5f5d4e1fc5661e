import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AppError } from '../errors.js';

const tooLarge = (limit: number) => new AppError(413, 'payload_too_large', `Body larger than ${limit} bytes`);

/**
 * The request body as raw bytes, read once (signatures are computed over exactly these bytes)
 * and refused past `limit`. Under Node it reads the socket directly: a webhook is the hottest
 * route, and web streams cost more than the rest of its work.
 */
export async function readRawBody(c: Context, limit: number): Promise<Buffer> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) {
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > limit) throw tooLarge(limit);
    return body;
  }
  if (Number(incoming.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
  // Its events, not an async iterator: cheaper per request, the same ending (a body past the limit stops the stream).
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      incoming.off('data', onData);
      incoming.destroy();
      reject(tooLarge(limit));
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(Buffer.concat(chunks, size)));
    incoming.once('error', reject);
    // After 'end' a no-op; before it, the client went away mid-body.
    incoming.once('close', () => reject(new Error('the request closed before its body ended')));
  });
}

/**
 * The request headers, names lowercased. Under Node they come from its own parser: building a
 * web Headers object to copy them costs a webhook more than its signature check.
 */
export function rawHeaders(c: Context): Record<string, string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return Object.fromEntries([...c.req.raw.headers].map(([k, v]) => [k.toLowerCase(), v]));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(incoming.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}
