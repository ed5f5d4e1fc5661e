// Sending: https://core.telegram.org/bots/api#sendmessage, #sendphoto, #senddocument, #sendaudio, #sendvideo
import { ConnectorError, type ConnectorContext, type OutboundMessage, type SendCapability, type SentRef } from '../types.js';
import { callBotApi } from './api.js';
import type { TelegramCredentials } from './credentials.js';

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

type MediaKind = 'image' | 'video' | 'audio' | 'file';

const MEDIA_METHOD: Record<MediaKind, { method: string; field: string }> = {
  image: { method: 'sendPhoto', field: 'photo' },
  video: { method: 'sendVideo', field: 'video' },
  audio: { method: 'sendAudio', field: 'audio' },
  file: { method: 'sendDocument', field: 'document' },
};

const KIND_BY_MIME_PREFIX: Record<string, MediaKind> = { image: 'image', video: 'video', audio: 'audio' };

type Attachment = NonNullable<OutboundMessage['attachments']>[number];

function mediaKind(att: Attachment, messageType: OutboundMessage['messageType']): MediaKind {
  // sendPhoto rejects vector images; a document keeps them intact.
  if (att.mimeType === 'image/svg+xml') return 'file';
  if (att.mimeType) return KIND_BY_MIME_PREFIX[att.mimeType.split('/')[0]] ?? 'file';
  return messageType in MEDIA_METHOD ? (messageType as MediaKind) : 'file';
}

/** Splits on UTF-16 length (what Telegram counts) without cutting a surrogate pair. */
export function chunkText(text: string, limit = TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = limit;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  chunks.push(rest);
  return chunks;
}

interface SentMessage { message_id: number; chat: { id: number } }

/** Our external ids are `<chat id>:<message id>`. */
function splitId(externalId: string): { chat_id: string; message_id: number } {
  const cut = externalId.lastIndexOf(':');
  const messageId = Number(externalId.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(messageId)) throw new ConnectorError('permanent', `not a Telegram message id: ${externalId}`, 'bad_message_id');
  return { chat_id: externalId.slice(0, cut), message_id: messageId };
}

const onTarget = (method: string, payload: (t: SentRef) => Record<string, unknown> = () => ({})) =>
  async (target: SentRef, credentials: Parameters<typeof callBotApi>[1], ctx: ConnectorContext) => {
    await callBotApi(ctx.fetch, credentials, method, { ...splitId(target.externalId), ...payload(target) });
  };

export const send: SendCapability<TelegramCredentials> = {
  async send(message: OutboundMessage, credentials, ctx: ConnectorContext) {
    if (message.template) throw new ConnectorError('permanent', 'Templates are a WhatsApp feature', 'unsupported');
    const chatId = message.to.externalId;
    // A quoted reply: every part answers the quoted message; still sent if it is gone.
    const quote = message.replyTo ? { reply_parameters: { message_id: splitId(message.replyTo.externalId).message_id, allow_sending_without_reply: true } } : {};
    const call = (method: string, payload: Record<string, unknown>) =>
      callBotApi<SentMessage>(ctx.fetch, credentials, method, { chat_id: chatId, ...quote, ...payload });

    const attachments = message.attachments ?? [];
    const captionFits = message.content.length <= CAPTION_LIMIT;
    const sent: SentMessage[] = [];

    if (attachments.length === 0 || (!captionFits && message.content)) {
      for (const text of chunkText(message.content)) sent.push(await call('sendMessage', { text }));
    }
    for (const [i, att] of attachments.entries()) {
      const { method, field } = MEDIA_METHOD[mediaKind(att, message.messageType)];
      const caption = i === 0 && captionFits && message.content ? { caption: message.content } : {};
      sent.push(await call(method, { [field]: att.url, ...caption }));
    }
    const first = sent[0];
    return { externalId: `${first.chat.id}:${first.message_id}` };
  },
  quotes: true,
  // https://core.telegram.org/bots/api#setmessagereaction: an empty list removes the bot's reaction.
  react: (target, emoji, credentials, ctx) => onTarget('setMessageReaction', () => ({ reaction: emoji ? [{ type: 'emoji', emoji }] : [] }))(target, credentials, ctx),
  edit: (target, text, credentials, ctx) => onTarget('editMessageText', () => ({ text }))(target, credentials, ctx),
  delete: onTarget('deleteMessage'),
};
