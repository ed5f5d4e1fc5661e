/**
 * What a stored file is, decided from its first bytes as well as what the sender claimed: only
 * types whose bytes prove them are kept as themselves and may be shown inline; a claim the bytes
 * do not back (HTML labelled image/png, `image/png,text/html`, SVG) becomes application/octet-stream,
 * which is only ever downloaded.
 */

/** How many leading bytes decideType looks at. */
export const SNIFF_BYTES = 4096;

export const OCTET_STREAM = 'application/octet-stream';

const ascii = (head: Buffer, offset: number, text: string) => head.subarray(offset, offset + text.length).toString('latin1') === text;
const bytes = (head: Buffer, offset: number, values: number[]) => values.every((v, i) => head[offset + i] === v);

type Sniffer = { type: string | ((claim: string | undefined, head: Buffer) => string); test(head: Buffer): boolean };

/** Magic numbers of the types a browser may show inline. Containers shared by audio and video keep the claimed side. */
const SNIFFERS: Sniffer[] = [
  { type: 'image/png', test: (h) => bytes(h, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (h) => bytes(h, 0, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a') },
  { type: 'image/webp', test: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP') },
  { type: 'application/pdf', test: (h) => ascii(h, 0, '%PDF-') },
  { type: 'audio/wav', test: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WAVE') },
  { type: (claim) => (claim === 'video/ogg' ? 'video/ogg' : 'audio/ogg'), test: (h) => ascii(h, 0, 'OggS') },
  { type: (claim) => (claim === 'audio/webm' ? 'audio/webm' : 'video/webm'), test: (h) => bytes(h, 0, [0x1a, 0x45, 0xdf, 0xa3]) },
  {
    // ISO base media (MP4, M4A, QuickTime): 'ftyp' then the major brand.
    type: (claim, h) => (ascii(h, 8, 'M4A') || claim === 'audio/mp4' ? 'audio/mp4' : ascii(h, 8, 'qt  ') ? 'video/quicktime' : 'video/mp4'),
    test: (h) => ascii(h, 4, 'ftyp'),
  },
  { type: 'audio/amr', test: (h) => ascii(h, 0, '#!AMR') },
  { type: 'audio/mpeg', test: (h) => ascii(h, 0, 'ID3') || (h[0] === 0xff && ((h[1] ?? 0) & 0xe6) === 0xe2) },
  { type: 'audio/aac', test: (h) => h[0] === 0xff && ((h[1] ?? 0) & 0xf6) === 0xf0 },
];

/** Types served inline: each one proven by its bytes. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf',
  'audio/wav', 'audio/ogg', 'audio/webm', 'audio/mp4', 'audio/amr', 'audio/mpeg', 'audio/aac',
  'video/ogg', 'video/webm', 'video/mp4', 'video/quicktime',
]);

/**
 * Types kept as claimed (for the agent's and the platform's sake) but only ever downloaded. Plain
 * text is one (when it is valid UTF-8): a multipart part whose type cannot be parsed is text/plain
 * by RFC 7578, so the claim proves nothing.
 */
const DOWNLOAD_TYPES: ReadonlySet<string> = new Set([
  'text/plain', 'application/zip', 'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
]);

/** `Image/PNG; charset=x` -> `image/png`; anything that is not one plain type/subtype (`image/png,text/html`) -> undefined. */
export function normalizeClaim(claimed: string | null | undefined): string | undefined {
  const type = (claimed ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : undefined;
}

const isUtf8Text = (head: Buffer) => {
  if (head.includes(0)) return false;
  try {
    // stream: a character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
};

/** The type a file is stored and served as, from its first SNIFF_BYTES bytes and the sender's claim. */
export function decideType(claimed: string | null | undefined, head: Buffer): string {
  const claim = normalizeClaim(claimed);
  const sniffer = SNIFFERS.find((s) => s.test(head));
  if (sniffer) return typeof sniffer.type === 'string' ? sniffer.type : sniffer.type(claim, head);
  if (claim === 'text/plain' && isUtf8Text(head)) return 'text/plain';
  if (claim && DOWNLOAD_TYPES.has(claim)) return claim;
  return OCTET_STREAM;
}

/** How /media serves a stored type: inline only for the allowlist, exactly; everything else as a download. */
export function servedAs(stored: string | null | undefined): { contentType: string; inline: boolean } {
  const type = normalizeClaim(stored);
  if (type && INLINE_TYPES.has(type)) return { contentType: type, inline: true };
  if (type === 'text/plain') return { contentType: 'text/plain; charset=utf-8', inline: false };
  return { contentType: type && DOWNLOAD_TYPES.has(type) ? type : OCTET_STREAM, inline: false };
}

/** The sandbox every /media response carries: nothing it contains may run or load anything. */
export const MEDIA_CSP = "default-src 'none'; sandbox";
