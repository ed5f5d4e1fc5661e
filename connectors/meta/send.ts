/**
 * Outbound messages through the Graph API.
 * WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 * Messenger / Instagram: https://developers.facebook.com/docs/messenger-platform/reference/send-api
 *
 * A message with text and attachments may take several Graph calls (Messenger cannot mix text
 * and an attachment; WhatsApp audio has no caption): the first platform id is returned.
 */
import { ConnectorError, type ConnectorContext, type MessageTemplate, type MessageType, type OutboundMessage, type SentRef } from '../types.js';
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
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to.externalId };
  if (message.template) return [{ ...base, type: 'template', template: templatePayload(message.template) }];
  assertNotEmpty(message);
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
  const payloads: Json[] = captionPending ? [textPayload, ...media] : media;
  // A quoted reply: the first message carries the quote.
  if (message.replyTo) payloads[0] = { ...payloads[0], context: { message_id: message.replyTo.externalId } };
  return payloads;
}

function templatePayload(t: NonNullable<OutboundMessage['template']>): Json {
  return {
    name: t.name,
    language: { code: t.language },
    ...(t.params.length ? { components: [{ type: 'body', parameters: t.params.map((text) => ({ type: 'text', text })) }] } : {}),
  };
}

/** https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#reaction-messages */
export async function reactWhatsApp(target: SentRef, emoji: string, creds: WhatsAppCloudCredentials, ctx: ConnectorContext): Promise<void> {
  await graphJson(ctx, graphUrl(creds, creds.phoneNumberId, 'messages'), {
    method: 'POST',
    token: creds.accessToken,
    body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: target.to.externalId, type: 'reaction', reaction: { message_id: target.externalId, emoji } },
  });
}

type GraphTemplate = { name?: string; language?: string; status?: string; category?: string; components?: { type?: string; text?: string }[] };

/** The approved templates of the business account, every page (https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates). */
export async function whatsappTemplates(creds: WhatsAppCloudCredentials, ctx: ConnectorContext): Promise<MessageTemplate[]> {
  if (!creds.businessAccountId) throw new ConnectorError('permanent', 'This channel has no businessAccountId (the WhatsApp Business Account id), so its templates cannot be listed', 'no_business_account');
  const templates: MessageTemplate[] = [];
  let url: string | undefined = `${graphUrl(creds, creds.businessAccountId, 'message_templates')}?status=APPROVED&fields=name,language,status,category,components&limit=100`;
  for (let page = 0; url && page < 20; page++) {
    const res: { data?: GraphTemplate[]; paging?: { next?: string } } = await graphJson(ctx, url, { token: creds.accessToken });
    for (const t of res.data ?? []) {
      if (!t.name || !t.language || (t.status && t.status !== 'APPROVED')) continue;
      const body = t.components?.find((c) => c.type === 'BODY')?.text ?? '';
      const paramCount = new Set(body.match(/\{\{\d+\}\}/g) ?? []).size;
      templates.push({ name: t.name, language: t.language, category: t.category, body, paramCount });
    }
    // Only follow pages on the same origin as the first call (the hub's fetch guards it anyway).
    const next: string | undefined = res.paging?.next;
    url = next && new URL(next).origin === new URL(url).origin ? next : undefined;
  }
  return templates;
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
  if (message.template) throw new ConnectorError('permanent', 'Templates are a WhatsApp feature', 'unsupported');
  const text = message.content ? [{ ...base, message: { text: message.content } as Json }] : [];
  const media = (message.attachments ?? []).map((a) => ({
    ...base,
    message: { attachment: { type: mediaKind(a, message), payload: { url: a.url, is_reusable: true } } } as Json,
  }));
  const payloads = [...text, ...media];
  // A quoted reply (Send API `reply_to.mid`): the first message carries the quote.
  if (message.replyTo) payloads[0] = { ...payloads[0], message: { ...payloads[0].message, reply_to: { mid: message.replyTo.externalId } } };
  return payloads;
}

/**
 * A sender reaction to a message, Messenger and Instagram alike: `sender_action` `react` with payload
 * `message_id` + `reaction` (an emoji); `unreact` with the `message_id` alone removes it.
 * https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
 */
export async function reactMessaging(target: SentRef, emoji: string, creds: MessengerCredentials | InstagramCredentials, ctx: ConnectorContext): Promise<void> {
  const body = emoji
    ? { recipient: { id: target.to.externalId }, sender_action: 'react', payload: { message_id: target.externalId, reaction: emoji } }
    : { recipient: { id: target.to.externalId }, sender_action: 'unreact', payload: { message_id: target.externalId } };
  await graphJson(ctx, graphUrl(creds, 'me', 'messages'), { method: 'POST', token: creds.accessToken, body });
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
