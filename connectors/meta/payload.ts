/** Helpers shared by the WhatsApp and Messenger/Instagram parsers. */
import { ConnectorError, type RawInbound, type UnsupportedEvent } from '../types.js';

/** Loose view of untrusted JSON: every field may be missing or of another type. */
export type Json = Record<string, any>;

/** The body as an object; only non-JSON throws (valid JSON of an unknown shape is unsupported). */
export function readBody(raw: RawInbound): Json | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.body);
  } catch (e) {
    throw new ConnectorError('permanent', `Meta webhook body is not JSON: ${(e as Error).message}`, 'invalid_json');
  }
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : undefined;
}

export const unsupported = (reason: string): UnsupportedEvent => ({ type: 'unsupported', reason });

export const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** The latest instant a JavaScript Date (and so Postgres, through it) holds. */
const MAX_DATE_MS = 8.64e15;

/** Epoch ms from seconds or ms, number or numeric string (Meta uses both); what is no instant at all falls back. */
export function epochMs(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n) || n <= 0) return fallback;
  const ms = Math.round(n < 1e12 ? n * 1000 : n);
  return ms > 0 && ms <= MAX_DATE_MS ? ms : fallback;
}

/** The object without undefined values, so events compare and serialize cleanly. */
export function compact<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Metadata only when it holds something. */
export function metadataOf(o: Json): Json | undefined {
  const m = compact(o);
  return Object.keys(m).length ? m : undefined;
}
