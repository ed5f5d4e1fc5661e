import { z } from 'zod';
import { badRequest } from '../errors.js';

/** Opaque keyset cursors: base64url of the sort key, so pages stay stable while rows arrive. */
export const encodeCursor = (parts: [string | Date, string]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** Every list sorts by (a timestamp, an id). */
const Key = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/** The sort key a cursor holds; anything that is not one of ours is a 400, before any SQL sees it. */
export function decodeCursor(cursor: string | undefined): [string, string] | undefined {
  if (!cursor) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const key = Key.safeParse(value);
  if (!key.success) throw badRequest('Invalid cursor: pass back the nextCursor of a previous page', 'invalid_cursor');
  return key.data;
}
