/**
 * Outbound messages through the Graph API.
 * WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 * Messenger / Instagram: https://developers.facebook.com/docs/messenger-platform/reference/send-api
 *
 * A message with text and attachments may take several Graph calls (Messenger cannot mix text
 * and an attachment; WhatsApp audio has no caption): the first platform id is returned.
 */
import { ConnectorError, type ConnectorContext, type MessageType, type OutboundMessage } from '../types.js';
import type { MessengerCredentials, WhatsAppCloudCredentials, InstagramCredentials } from './credentials.js';
import { graphJson, graphUrl } from './graph.js';
import type { Json } from './payload.js';

type Attachment = NonNullable<OutboundMessage['attachments']>[number];
type MediaKind = 'image' | 'video' | 'audio' | 'file';

const BY_MIME_PREFIX: Record<string, MediaKind> = { image: 'image', video: 'video', audio: 'audio' };
const BY_MESSAGE_TYPE: Partial<Record<MessageType, MediaKind>> = { image: 'image', video: 'video', audio: 'audio', file: 'file' };

/** The attachment's own MIME type wins; a single attachment may fall back to the message type. */
function mediaKind(a: Attachment, message: OutboundMessage): MediaKind {
  const prefix = a.mimeType?.split('/')[0]?.toLowerCase() ?? '';
  if (Object.hasOwn(BY_MIME_PREFIX, prefix)) return BY_MIME_PREFIX[prefix];
  if (a.mimeType) return 'file';
  return (message.attachments?.length === 1 && BY_MESSAGE_TYPE[message.messageType]) || 'file';
}

function assertNotEmpty(message: OutboundMessage): void {
  if (!message.content && !message.attachments?.length) {
    throw new ConnectorError('permanent', 'nothing to send: no text and no attachment', 'empty_message');
  }
}

async function sendAll(payloads: Json[], post: (p: Json) => Promise<string>): Promise<{ externalId: string }> {
  let first: string | undefined;
  for (const p of payloads) {
    const id = await post(p);
    first ??= id;
  }
  return { externalId: first! };
}

function idOrFail(id: unknown): string {
  if (typeof id === 'string' && id) return id;
  throw new ConnectorError('permanent', 'Graph accepted the message but returned no message id', 'no_message_id');
}

// WhatsApp

const WA_TYPE: Record<MediaKind, string> = { image: 'image', video: 'video', audio: 'audio', file: 'document' };
const WA_CAPTIONED = new Set(['image', 'video', 'document']);

export function whatsappPayloads(message: OutboundMessage): Json[] {
  assertNotEmpty(message);
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to.externalId };
  const textPayload = { ...base, type: 'text', text: { body: message.content, preview_url: true } };
  let captionPending = !!message.content;
  const media = (message.attachments ?? []).map((a) => {
    const type = WA_TYPE[mediaKind(a, message)];
    const body: Json = { link: a.url };
    if (type === 'document' && a.fileName) body.filename = a.fileName;
    if (captionPending && WA_CAPTIONED.has(type)) {
      body.caption = message.content;
      captionPending = false;
    }
    return { ...base, type, [type]: body };
  });
  return captionPending ? [textPayload, ...media] : media;
}

export async function sendWhatsApp(message: OutboundMessage, creds: WhatsAppCloudCredentials, ctx: ConnectorContext) {
  const url = graphUrl(creds, creds.phoneNumberId, 'messages');
  return sendAll(whatsappPayloads(message), async (body) => {
    const res = await graphJson<{ messages?: { id?: string }[] }>(ctx, url, { method: 'POST', token: creds.accessToken, body });
    return idOrFail(res.messages?.[0]?.id);
  });
}

// Messenger and Instagram

export function messagingPayloads(message: OutboundMessage): Json[] {
  assertNotEmpty(message);
  const base = { recipient: { id: message.to.externalId }, messaging_type: 'RESPONSE' };
  const text = message.content ? [{ ...base, message: { text: message.content } }] : [];
  const media = (message.attachments ?? []).map((a) => ({
    ...base,
    message: { attachment: { type: mediaKind(a, message), payload: { url: a.url, is_reusable: true } } },
  }));
  return [...text, ...media];
}

export async function sendMessaging(
  message: OutboundMessage,
  creds: MessengerCredentials | InstagramCredentials,
  ctx: ConnectorContext,
) {
  const url = graphUrl(creds, 'me', 'messages');
  return sendAll(messagingPayloads(message), async (body) => {
    const res = await graphJson<{ message_id?: string }>(ctx, url, { method: 'POST', token: creds.accessToken, body });
    return idOrFail(res.message_id);
  });
}
