/**
 * What a WhatsApp Web session hands to ingest: one JSON payload per library event, already
 * resolved (the person's phone behind an `@lid`, a quoted message's id, media bytes), since
 * parsing runs later in the ingest worker, far from the browser.
 */
import { z } from 'zod';

/** Who a chat is with: both ids kept, the phone number when WhatsApp gives it. */
export const WaPerson = z.object({
  /** The chat's own id, as the event named it (`@c.us`, `@lid` or `@g.us`). */
  chatId: z.string().min(1),
  /** Digits of the phone number (`<phone>@c.us`). */
  phone: z.string().regex(/^\d+$/).optional(),
  /** The person's `@lid` id, when known. */
  lid: z.string().optional(),
  name: z.string().optional(),
  group: z.boolean().optional(),
});
export type WaPerson = z.infer<typeof WaPerson>;

const Seconds = z.number().int().nonnegative();

export const RawMessage = z.object({
  event: z.literal('message'),
  id: z.string().min(1),
  fromMe: z.boolean(),
  /** whatsapp-web.js MessageTypes: chat, image, video, audio, ptt, document, sticker, location, vcard, ... */
  type: z.string(),
  body: z.string(),
  timestamp: Seconds,
  person: WaPerson,
  /** The group member who wrote it. */
  author: WaPerson.optional(),
  quotedId: z.string().optional(),
  media: z.object({
    mimetype: z.string().optional(),
    filename: z.string().optional(),
    filesize: z.number().optional(),
    /** Base64, downloaded by the session at once (absent: fetched later through the media capability). */
    data: z.string().optional(),
  }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), description: z.string().optional() }).optional(),
  vCards: z.array(z.string()).optional(),
  /** Fetched after a restart rather than received live. */
  backfill: z.boolean().optional(),
});
export const RawAck = z.object({ event: z.literal('ack'), id: z.string().min(1), ack: z.number().int(), timestamp: Seconds });
export const RawEdit = z.object({ event: z.literal('edit'), id: z.string().min(1), body: z.string(), timestamp: Seconds });
export const RawRevoke = z.object({ event: z.literal('revoke'), id: z.string().min(1), timestamp: Seconds });
export const RawReaction = z.object({ event: z.literal('reaction'), targetId: z.string().min(1), emoji: z.string(), person: WaPerson, timestamp: Seconds });

export const WaRaw = z.discriminatedUnion('event', [RawMessage, RawAck, RawEdit, RawRevoke, RawReaction]);
export type WaRaw = z.infer<typeof WaRaw>;
export type RawMessage = z.infer<typeof RawMessage>;
