// Inbound and status webhooks: https://www.twilio.com/docs/messaging/guides/webhook-request
// and https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
import type { DeliveryStatus, InboundAttachment, MessageEvent, MessageType, NormalizedEvent, RawInbound, StatusEvent } from '../types.js';
import type { TwilioSmsCredentials } from './credentials.js';
import { errorText } from './error-codes.js';
import { first, formParams } from './form.js';

/** null: an expected intermediate state that the inbox does not show. */
const STATUS: Record<string, DeliveryStatus | null> = {
  accepted: null,
  scheduled: null,
  queued: null,
  sending: null,
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};

const KIND_BY_MIME_PREFIX: Record<string, InboundAttachment['kind']> = { image: 'image', video: 'video', audio: 'audio' };
const TYPE_BY_KIND: Record<InboundAttachment['kind'], MessageType> = { image: 'image', video: 'video', audio: 'audio', file: 'file', sticker: 'image' };

/** 'whatsapp:+1555...' -> ['whatsapp', '+1555...']; a plain number has no channel prefix. */
export function splitAddress(address: string): { prefix?: string; number: string } {
  const m = address.match(/^([a-z]+):(.*)$/i);
  return m ? { prefix: m[1].toLowerCase(), number: m[2] } : { number: address };
}

type Params = Record<string, string | string[]>;
const get = (p: Params, key: string) => first(p[key]);
/** parse() has checked that one of them is there and not empty. */
const sidOf = (p: Params) => (get(p, 'MessageSid') || get(p, 'SmsSid'))!;

function statusEvent(p: Params, status: string, receivedAt: number): NormalizedEvent[] {
  // Own keys only: a status named like an Object method (toString) is not one of ours.
  const mapped = Object.hasOwn(STATUS, status) ? STATUS[status] : undefined;
  if (mapped === undefined) return [{ type: 'unsupported', reason: `twilio message status ${status} is not handled` }];
  if (mapped === null) return [];
  const event: StatusEvent = { type: 'status', externalId: sidOf(p), status: mapped, timestamp: receivedAt };
  if (mapped === 'failed') {
    const code = get(p, 'ErrorCode');
    event.error = code ? errorText(code) : status === 'canceled' ? 'canceled' : status;
  }
  return [event];
}

function inboundEvent(p: Params, receivedAt: number): NormalizedEvent {
  const from = get(p, 'From') ?? '';
  const { prefix, number } = splitAddress(from);
  if (!number) return { type: 'unsupported', reason: 'twilio inbound message without a sender (From)' };
  const count = Number(get(p, 'NumMedia') ?? 0) || 0;
  const attachments: InboundAttachment[] = [];
  for (let i = 0; i < count; i++) {
    const url = get(p, `MediaUrl${i}`);
    if (!url) continue;
    const mimeType = get(p, `MediaContentType${i}`);
    const top = mimeType?.split('/')[0] ?? '';
    const kind = Object.hasOwn(KIND_BY_MIME_PREFIX, top) ? KIND_BY_MIME_PREFIX[top]! : 'file';
    attachments.push({ kind, source: url, ...(mimeType ? { mimeType } : {}) });
  }

  const latitude = get(p, 'Latitude');
  const longitude = get(p, 'Longitude');
  const isLocation = latitude !== undefined && longitude !== undefined;
  const messageType: MessageType = isLocation ? 'location' : attachments.length ? TYPE_BY_KIND[attachments[0].kind] : 'text';

  const metadata: Record<string, unknown> = { to: get(p, 'To') };
  if (prefix) metadata.channel = prefix;
  if (get(p, 'NumSegments')) metadata.numSegments = Number(get(p, 'NumSegments'));
  if (get(p, 'FromCountry')) metadata.fromCountry = get(p, 'FromCountry');
  if (isLocation) Object.assign(metadata, { latitude: Number(latitude), longitude: Number(longitude) });

  const name = get(p, 'ProfileName');
  const event: MessageEvent = {
    type: 'message',
    externalId: sidOf(p),
    direction: 'in',
    // externalId keeps the channel prefix so a reply goes back the same way; identifier is the bare number.
    contact: { externalId: from, identifier: number, identifierType: 'phone', ...(name ? { name } : {}) },
    // Twilio sends no timestamp with an inbound message.
    timestamp: receivedAt,
    messageType,
    content: get(p, 'Body') ?? '',
    metadata,
  };
  if (attachments.length) event.attachments = attachments;
  return event;
}

export function parse(raw: RawInbound, _credentials: TwilioSmsCredentials): NormalizedEvent[] {
  const p = formParams(raw.body);
  const sid = get(p, 'MessageSid') || get(p, 'SmsSid');
  if (!sid) return [{ type: 'unsupported', reason: 'twilio webhook without MessageSid' }];
  const status = get(p, 'MessageStatus');
  if (status && status !== 'received') return statusEvent(p, status, raw.receivedAt);
  const smsStatus = get(p, 'SmsStatus');
  if (smsStatus && smsStatus !== 'received' && !status) return statusEvent(p, smsStatus, raw.receivedAt);
  return [inboundEvent(p, raw.receivedAt)];
}
