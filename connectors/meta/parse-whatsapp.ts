/**
 * WhatsApp Cloud API webhook payloads to normalized events.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
import type {
  Contact,
  DeliveryStatus,
  InboundAttachment,
  MessageEvent,
  MessageType,
  NormalizedEvent,
  RawInbound,
} from '../types.js';
import { compact, epochMs, list, metadataOf, readBody, str, unsupported, type Json } from './payload.js';

type Base = Pick<MessageEvent, 'type' | 'externalId' | 'direction' | 'contact' | 'timestamp'>;
/** Builds the event for one message type; `common` is metadata every message may carry. */
type MessageParser = (m: Json, base: Base, common: Json) => NormalizedEvent;

const STATUSES: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

/**
 * `phoneNumberId`: the channel's number. A change for another number of the same app (Meta
 * sends one app's webhooks for all its numbers to each subscribed URL) is not this channel's:
 * kept as unsupported, never stored in the wrong inbox.
 */
export function parseWhatsApp(raw: RawInbound, phoneNumberId?: string): NormalizedEvent[] {
  const body = readBody(raw);
  if (body?.object !== 'whatsapp_business_account') {
    return [unsupported(`not a WhatsApp Business Account payload (object: ${str(body?.object) ?? 'none'})`)];
  }
  const events = list(body.entry).flatMap((entry) => {
    const changes = list(entry.changes);
    if (!changes.length) return [unsupported(`whatsapp entry ${str(entry.id) ?? '?'} without changes`)];
    return changes.flatMap((change) => parseChange(change, raw.receivedAt, phoneNumberId));
  });
  return events.length ? events : [unsupported('whatsapp payload without entries')];
}

function parseChange(change: Json, receivedAt: number, phoneNumberId?: string): NormalizedEvent[] {
  if (change.field !== 'messages') return [unsupported(`whatsapp webhook field "${str(change.field) ?? 'none'}" is not handled`)];
  const value: Json = change.value ?? {};
  const addressed = str(value.metadata?.phone_number_id);
  if (phoneNumberId !== undefined && addressed !== phoneNumberId) {
    return [unsupported(`whatsapp change for phone number id ${addressed ?? '(none)'}, not this channel's (${phoneNumberId})`)];
  }
  const contacts = list(value.contacts);
  // By wa_id once per change: a large delivery carries thousands of messages and contacts.
  const byWaId = new Map(contacts.flatMap((c) => (str(c.wa_id) === undefined ? [] : [[str(c.wa_id)!, c] as const])));
  const events = [
    ...list(value.messages).map((m) => parseMessage(m, contactFor(str(m.from), contacts, byWaId), receivedAt)),
    ...list(value.statuses).map((s) => parseStatus(s, receivedAt)),
    ...list(value.errors).map((e) => unsupported(`whatsapp error: ${errorText(e)}`)),
  ];
  return events.length ? events : [unsupported('whatsapp change without messages or statuses')];
}

function phoneContact(waId: string, name?: string): Contact {
  return compact({ externalId: waId, identifier: waId.startsWith('+') ? waId : `+${waId}`, identifierType: 'phone' as const, name });
}

function contactFor(from: string | undefined, contacts: Json[], byWaId: Map<string, Json>): Contact | undefined {
  const known = (from === undefined ? undefined : byWaId.get(from)) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const waId = str(known?.wa_id) ?? from;
  return waId ? phoneContact(waId, str(known?.profile?.name)) : undefined;
}

function parseMessage(m: Json, contact: Contact | undefined, receivedAt: number): NormalizedEvent {
  const type = str(m.type) ?? 'none';
  const id = str(m.id);
  if (!id || !contact) return unsupported(`whatsapp ${type} message without id or sender`);
  const base: Base = { type: 'message', externalId: id, direction: 'in', contact, timestamp: epochMs(m.timestamp, receivedAt) };
  const common = {
    replyTo: str(m.context?.id),
    forwarded: m.context?.forwarded === true || m.context?.frequently_forwarded === true ? true : undefined,
    referral: m.referral,
  };
  const parser = Object.hasOwn(MESSAGE_PARSERS, type) ? MESSAGE_PARSERS[type] : undefined;
  return parser ? parser(m, base, common) : unsupported(`whatsapp message type "${type}" is not supported${errorsSuffix(m)}`);
}

const message = (base: Base, messageType: MessageType, content: string, metadata: Json): MessageEvent =>
  compact({ ...base, messageType, content, metadata: metadataOf(metadata) });

function media(messageType: MessageType, kind: InboundAttachment['kind'], extra: (media: Json) => Json = () => ({})): MessageParser {
  return (m, base, common) => {
    const body: Json = m[m.type] ?? {};
    const source = str(body.id);
    if (!source) return unsupported(`whatsapp ${m.type} message ${base.externalId} without a media id`);
    const attachment: InboundAttachment = compact({ kind, source, mimeType: str(body.mime_type), fileName: str(body.filename) });
    return { ...message(base, messageType, str(body.caption) ?? '', { ...common, ...extra(body) }), attachments: [attachment] };
  };
}

function locationLabel(l: Json): string {
  return [str(l.name), str(l.address)].filter(Boolean).join(', ') || `${l.latitude},${l.longitude}`;
}

function contactCardLabel(card: Json): string {
  const name = str(card.name?.formatted_name) ?? str(card.name?.first_name) ?? 'Contact';
  const phones = list(card.phones).map((p) => str(p.phone)).filter(Boolean);
  return phones.length ? `${name} (${phones.join(', ')})` : name;
}

const MESSAGE_PARSERS: Record<string, MessageParser> = {
  text: (m, base, common) => message(base, 'text', str(m.text?.body) ?? '', common),
  image: media('image', 'image'),
  video: media('video', 'video'),
  audio: media('audio', 'audio', (a) => ({ voice: a.voice === true ? true : undefined })),
  document: media('file', 'file'),
  sticker: media('image', 'sticker', (s) => ({ sticker: true, animated: s.animated === true ? true : undefined })),
  location: (m, base, common) => {
    const l: Json = m.location ?? {};
    const place = { latitude: l.latitude, longitude: l.longitude, name: str(l.name), address: str(l.address), url: str(l.url) };
    return message(base, 'location', locationLabel(l), { ...common, ...place });
  },
  contacts: (m, base, common) => {
    const cards = list(m.contacts);
    return message(base, 'text', cards.map(contactCardLabel).join('\n'), { ...common, contacts: cards });
  },
  interactive: (m, base, common) => {
    const i: Json = m.interactive ?? {};
    const reply: Json | undefined = i.button_reply ?? i.list_reply;
    if (reply) {
      const picked = compact({ id: str(reply.id), title: str(reply.title), description: str(reply.description) });
      return message(base, 'text', picked.title ?? '', { ...common, reply: picked });
    }
    if (i.nfm_reply) {
      return message(base, 'text', str(i.nfm_reply.body) ?? 'Sent', { ...common, flowResponse: jsonOrText(i.nfm_reply.response_json) });
    }
    return unsupported(`whatsapp interactive reply "${str(i.type) ?? 'none'}" is not supported`);
  },
  // A quick-reply button of a template message.
  button: (m, base, common) => {
    const title = str(m.button?.text) ?? '';
    return message(base, 'text', title, { ...common, reply: compact({ id: str(m.button?.payload), title }) });
  },
  reaction: (m, base) => {
    const target = str(m.reaction?.message_id);
    if (!target) return unsupported(`whatsapp reaction ${base.externalId} without a target message`);
    return { type: 'reaction', targetExternalId: target, contact: base.contact, emoji: str(m.reaction?.emoji) ?? '', timestamp: base.timestamp };
  },
  // The customer changed their number: worth a line in the conversation.
  system: (m, base, common) =>
    message(base, 'system', str(m.system?.body) ?? '', {
      ...common,
      system: compact({ type: str(m.system?.type), newWaId: str(m.system?.wa_id ?? m.system?.new_wa_id) }),
    }),
};

function jsonOrText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function errorText(e: Json | undefined): string {
  if (!e) return 'unknown error';
  const head = `${str(e.title) ?? str(e.message) ?? 'error'}${e.code !== undefined ? ` (${e.code})` : ''}`;
  const details = str(e.error_data?.details);
  return details && details !== head ? `${head}: ${details}` : head;
}

function errorsSuffix(m: Json): string {
  const first = list(m.errors)[0];
  return first ? `: ${errorText(first)}` : '';
}

function parseStatus(s: Json, receivedAt: number): NormalizedEvent {
  const id = str(s.id);
  const named = str(s.status) ?? '';
  const status = Object.hasOwn(STATUSES, named) ? STATUSES[named] : undefined;
  if (!id || !status) return unsupported(`whatsapp status "${str(s.status) ?? 'none'}" for ${id ?? 'unknown message'} is not handled`);
  const error = status === 'failed' ? errorText(list(s.errors)[0]) : undefined;
  return compact({ type: 'status' as const, externalId: id, status, timestamp: epochMs(s.timestamp, receivedAt), error, contactExternalId: str(s.recipient_id) });
}
