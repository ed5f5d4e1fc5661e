/** Opaque keyset cursors: base64url of the sort key, so pages stay stable while rows arrive. */
export const encodeCursor = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

export function decodeCursor(cursor: string | undefined): (string | number)[] | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
