/** The library's live objects -> the session's payloads (raw.ts), resolving what needs the browser. */
import type { WaClient, WaMessage, WaReaction } from './client.js';
import type { WhatsAppWebCredentials } from './credentials.js';
import type { RawMessage, WaPerson, WaRaw } from './raw.js';

const userOf = (id: string) => id.split('@')[0]!;
const isGroup = (id: string) => id.endsWith('@g.us');

/** Chats that are not conversations: status updates, broadcast lists, newsletters; groups unless enabled. */
export function ignoredChat(chatId: string, creds: WhatsAppWebCredentials): boolean {
  return chatId === 'status@broadcast' || chatId.endsWith('@broadcast') || chatId.endsWith('@newsletter') || (isGroup(chatId) && !creds.groups);
}

export const chatIdOf = (m: WaMessage) => (m.fromMe ? m.to : m.from);

/**
 * The person behind a chat or sender id. WhatsApp names some people by `@lid` only: the phone
 * number comes from the contact store (getContactLidAndPhone), and both ids are kept.
 */
export async function personOf(client: WaClient, id: string): Promise<WaPerson> {
  if (isGroup(id)) {
    const chat = await client.getChatById(id).catch(() => undefined);
    return { chatId: id, group: true, ...(chat?.name ? { name: chat.name } : {}) };
  }
  const [pair] = await client.getContactLidAndPhone([id]).catch(() => []);
  const pn = pair?.pn ?? (id.endsWith('@c.us') ? id : undefined);
  const lid = pair?.lid ?? (id.endsWith('@lid') ? id : undefined);
  const contact = await client.getContactById(pn ?? id).catch(() => undefined);
  const name = contact?.name || contact?.pushname || contact?.shortName || undefined;
  return { chatId: id, ...(pn ? { phone: userOf(pn) } : {}), ...(lid ? { lid } : {}), ...(name ? { name } : {}) };
}

/** Media comes along in the payload up to a size; beyond it (or if the download fails) the media job asks the session later. */
async function mediaOf(m: WaMessage, maxBytes: number): Promise<RawMessage['media']> {
  const declared = { mimetype: m._data?.mimetype, filename: m._data?.filename, filesize: m._data?.size };
  const known = Object.fromEntries(Object.entries(declared).filter(([, v]) => v != null)) as RawMessage['media'];
  if ((declared.filesize ?? 0) > maxBytes) return known;
  const media = await m.downloadMedia().catch(() => undefined);
  if (!media || Buffer.byteLength(media.data, 'base64') > maxBytes) return known;
  return { ...known, mimetype: media.mimetype, ...(media.filename ? { filename: media.filename } : {}), data: media.data };
}

export async function messagePayload(client: WaClient, m: WaMessage, opts: { mediaMaxBytes: number; backfill?: boolean }): Promise<RawMessage> {
  const chatId = chatIdOf(m);
  const person = await personOf(client, chatId);
  const author = isGroup(chatId) && m.author ? await personOf(client, m.author) : undefined;
  if (!person.name && !m.fromMe && m._data?.notifyName && !person.group) person.name = m._data.notifyName;
  const quoted = m.hasQuotedMsg ? await m.getQuotedMessage().catch(() => undefined) : undefined;
  const loc = m.location;
  return {
    event: 'message',
    id: m.id._serialized,
    fromMe: m.fromMe,
    type: m.type,
    body: m.body ?? '',
    timestamp: m.timestamp,
    person,
    ...(author ? { author } : {}),
    ...(quoted ? { quotedId: quoted.id._serialized } : {}),
    ...(m.hasMedia ? { media: await mediaOf(m, opts.mediaMaxBytes) } : {}),
    ...(loc ? { location: { latitude: Number(loc.latitude), longitude: Number(loc.longitude), ...(loc.description || loc.name ? { description: loc.description ?? loc.name } : {}) } } : {}),
    ...(m.vCards?.length ? { vCards: m.vCards } : {}),
    ...(opts.backfill ? { backfill: true } : {}),
  };
}

export async function reactionPayload(client: WaClient, r: WaReaction): Promise<WaRaw> {
  return { event: 'reaction', targetId: r.msgId._serialized, emoji: r.reaction ?? '', person: await personOf(client, r.senderId), timestamp: r.timestamp };
}
