import type { Contact, InboundAttachment, MessageType, NormalizedEvent, RawInbound, DeliveryStatus } from '../types.js';
import { ACK } from './client.js';
import { WaRaw, type RawMessage, type WaPerson } from './raw.js';

/**
 * One prospect per person: keyed by the phone number when WhatsApp gave it (so the `@c.us` and
 * `@lid` chats of one person meet), else by the id we have; a group is its own contact.
 */
export function contactOf(p: WaPerson): Contact {
  const externalId = p.phone && !p.group ? `${p.phone}@c.us` : p.chatId;
  return {
    externalId,
    identifier: p.phone && !p.group ? `+${p.phone}` : p.chatId,
    identifierType: p.phone && !p.group ? 'phone' : 'social',
    ...(p.name ? { name: p.name } : {}),
  };
}

const ids = (p: WaPerson) => ({ chatId: p.chatId, ...(p.lid ? { lid: p.lid } : {}), ...(p.phone ? { phoneId: `${p.phone}@c.us` } : {}) });

/** MessageTypes -> the hub's message type and attachment kind. */
const KINDS: Record<string, { messageType: MessageType; attachment?: InboundAttachment['kind'] }> = {
  chat: { messageType: 'text' },
  image: { messageType: 'image', attachment: 'image' },
  video: { messageType: 'video', attachment: 'video' },
  audio: { messageType: 'audio', attachment: 'audio' },
  ptt: { messageType: 'audio', attachment: 'audio' },
  document: { messageType: 'file', attachment: 'file' },
  sticker: { messageType: 'image', attachment: 'sticker' },
  location: { messageType: 'location' },
  vcard: { messageType: 'text' },
  multi_vcard: { messageType: 'text' },
};

/** Acks (-1 error ... 4 played) -> delivery status; 0 (pending on the phone) says nothing new. */
const ACK_STATUS: Partial<Record<number, DeliveryStatus>> = {
  [ACK.ERROR]: 'failed', [ACK.SERVER]: 'sent', [ACK.DEVICE]: 'delivered', [ACK.READ]: 'read', [ACK.PLAYED]: 'read',
};

function content(m: RawMessage): string {
  if (m.type === 'location' && m.location) return m.location.description || `${m.location.latitude},${m.location.longitude}`;
  if ((m.type === 'vcard' || m.type === 'multi_vcard') && m.vCards?.length) {
    const names = m.vCards.map((v) => /^FN:(.*)$/m.exec(v)?.[1]?.trim()).filter(Boolean);
    return `Contact: ${names.join(', ') || 'vCard'}`;
  }
  return m.body;
}

function fromMessage(m: RawMessage): NormalizedEvent {
  const kind = Object.hasOwn(KINDS, m.type) ? KINDS[m.type]! : undefined;
  if (!kind) return { type: 'unsupported', reason: `whatsapp_web message of type ${m.type}` };
  const metadata: Record<string, unknown> = { whatsapp: ids(m.person) };
  if (m.quotedId) metadata.replyTo = m.quotedId;
  if (m.author) metadata.from = { ...ids(m.author), name: m.author.name };
  if (m.location) metadata.latitude = m.location.latitude, metadata.longitude = m.location.longitude;
  if (m.type === 'ptt') metadata.voice = true;
  if (m.backfill) metadata.backfill = true;
  const attachments: InboundAttachment[] | undefined = kind.attachment && m.media ? [{
    kind: kind.attachment,
    source: m.id,
    ...(m.media.filename ? { fileName: m.media.filename } : {}),
    ...(m.media.mimetype ? { mimeType: m.media.mimetype } : {}),
    ...(m.media.filesize ? { fileSize: m.media.filesize } : {}),
    ...(m.media.data ? { inline: { base64: m.media.data } } : {}),
  }] : undefined;
  return {
    type: 'message',
    externalId: m.id,
    direction: m.fromMe ? 'out' : 'in',
    contact: contactOf(m.person),
    timestamp: m.timestamp * 1000,
    messageType: kind.messageType,
    content: content(m),
    metadata,
    ...(attachments ? { attachments } : {}),
  };
}

type Handlers = { [K in WaRaw['event']]: (e: Extract<WaRaw, { event: K }>) => NormalizedEvent[] };
const EVENTS: Handlers = {
  message: (e) => [fromMessage(e)],
  ack: (e) => {
    const status = Object.hasOwn(ACK_STATUS, e.ack) ? ACK_STATUS[e.ack] : undefined;
    if (!status) return [];
    const error = status === 'failed' ? { error: 'WhatsApp could not deliver the message (ACK_ERROR)' } : {};
    return [{ type: 'status', externalId: e.id, status, timestamp: e.timestamp * 1000, ...error }];
  },
  edit: (e) => [{ type: 'edit', externalId: e.id, content: e.body, timestamp: e.timestamp * 1000 }],
  // Deleted for everyone: the text goes, the message stays marked deleted.
  revoke: (e) => [{ type: 'edit', externalId: e.id, content: '', timestamp: e.timestamp * 1000, deleted: true }],
  reaction: (e) => [{ type: 'reaction', targetExternalId: e.targetId, contact: contactOf(e.person), emoji: e.emoji, timestamp: e.timestamp * 1000 }],
};

/** A session's payload (raw.ts) -> normalized events; another shape is kept as unsupported. */
export function parse(raw: RawInbound): NormalizedEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(raw.body);
  } catch {
    return [{ type: 'unsupported', reason: 'whatsapp_web payload is not JSON' }];
  }
  const parsed = WaRaw.safeParse(json);
  if (!parsed.success) return [{ type: 'unsupported', reason: `whatsapp_web payload: ${parsed.error.issues[0]?.message}` }];
  const e = parsed.data;
  return (EVENTS[e.event] as (e: WaRaw) => NormalizedEvent[])(e);
}
