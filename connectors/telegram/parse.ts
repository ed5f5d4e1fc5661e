// Update -> normalized events: https://core.telegram.org/bots/api#update
import type {
  Contact,
  EditEvent,
  InboundAttachment,
  MessageEvent,
  MessageType,
  NormalizedEvent,
  RawInbound,
  ReactionEvent,
} from '../types.js';
import { botIdOf } from './api.js';
import type { TelegramCredentials } from './credentials.js';

interface TgUser { id: number; is_bot: boolean; first_name: string; last_name?: string; username?: string }
interface TgChat { id: number; type: string; title?: string; username?: string; first_name?: string; last_name?: string }
interface TgFile { file_id: string; file_unique_id: string; file_size?: number; file_name?: string; mime_type?: string }
interface TgPhotoSize extends TgFile { width: number; height: number }

/** Only the fields the hub reads; the Bot API sends many more. */
interface TgMessage {
  message_id: number;
  date: number;
  edit_date?: number;
  chat: TgChat;
  from?: TgUser;
  sender_chat?: TgChat;
  text?: string;
  caption?: string;
  media_group_id?: string;
  reply_to_message?: { message_id: number };
  [field: string]: unknown;
}

interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  inline_message_id?: string;
  chat_instance: string;
  data?: string;
  game_short_name?: string;
}

interface TgReactionUpdate {
  chat: TgChat;
  message_id: number;
  user?: TgUser;
  actor_chat?: TgChat;
  date: number;
  new_reaction: { type: string; emoji?: string }[];
}

type Update = { update_id: number } & Record<string, unknown>;

/** What a message's content field turns into. */
interface Body {
  messageType: MessageType;
  attachments?: InboundAttachment[];
  /** Used when the message has neither text nor caption. */
  content?: string;
  metadata?: Record<string, unknown>;
}

const file = (f: TgFile, kind: InboundAttachment['kind'], mimeType = f.mime_type): InboundAttachment => ({
  kind,
  source: f.file_id,
  ...(f.file_name ? { fileName: f.file_name } : {}),
  ...(mimeType ? { mimeType } : {}),
  ...(f.file_size !== undefined ? { fileSize: f.file_size } : {}),
});

const largest = (sizes: TgPhotoSize[]) =>
  sizes.reduce((best, s) => (s.width * s.height >= best.width * best.height ? s : best));

interface TgLocation { latitude: number; longitude: number }
const location = (loc: TgLocation, venue?: { title: string; address: string }): Body => ({
  messageType: 'location',
  content: venue ? `${venue.title}, ${venue.address}` : `${loc.latitude},${loc.longitude}`,
  metadata: { latitude: loc.latitude, longitude: loc.longitude, ...(venue ? { venue: { title: venue.title, address: venue.address } } : {}) },
});

const stickerMime = (s: { is_animated?: boolean; is_video?: boolean }) =>
  s.is_animated ? 'application/x-tgsticker' : s.is_video ? 'video/webm' : 'image/webp';

/**
 * Content fields in priority order: an animation also carries `document`, a venue also
 * carries `location`, so the more specific field comes first.
 */
const CONTENT: [field: string, read: (value: any) => Body][] = [
  ['photo', (sizes: TgPhotoSize[]) => ({ messageType: 'image', attachments: [file(largest(sizes), 'image', 'image/jpeg')] })],
  ['animation', (f: TgFile) => ({ messageType: 'video', attachments: [file(f, 'video')] })],
  ['video', (f: TgFile) => ({ messageType: 'video', attachments: [file(f, 'video')] })],
  ['video_note', (f: TgFile) => ({ messageType: 'video', attachments: [file(f, 'video', 'video/mp4')] })],
  ['voice', (f: TgFile) => ({ messageType: 'audio', attachments: [file(f, 'audio')], metadata: { voice: true } })],
  ['audio', (f: TgFile & { title?: string; performer?: string }) => ({ messageType: 'audio', attachments: [file(f, 'audio')] })],
  ['document', (f: TgFile) => ({ messageType: 'file', attachments: [file(f, 'file')] })],
  [
    'sticker',
    (s: TgFile & { emoji?: string; set_name?: string; is_animated?: boolean; is_video?: boolean }) => ({
      messageType: 'image',
      attachments: [file(s, 'sticker', stickerMime(s))],
      content: s.emoji ?? '',
      metadata: { sticker: { emoji: s.emoji, setName: s.set_name, animated: !!s.is_animated, video: !!s.is_video } },
    }),
  ],
  ['venue', (v: { location: TgLocation; title: string; address: string }) => location(v.location, v)],
  ['location', (l: TgLocation) => location(l)],
  [
    'contact',
    (c: { phone_number: string; first_name: string; last_name?: string; user_id?: number; vcard?: string }) => ({
      messageType: 'text',
      content: `Contact: ${fullName(c.first_name, c.last_name)}, ${c.phone_number}`,
      metadata: { contact: { phoneNumber: c.phone_number, firstName: c.first_name, lastName: c.last_name, userId: c.user_id, vcard: c.vcard } },
    }),
  ],
];

function fullName(first?: string, last?: string): string | undefined {
  const name = [first, last].filter(Boolean).join(' ');
  return name || undefined;
}

/** The conversation partner is the chat: the user in a private chat, the group or channel otherwise. */
function contactOf(chat: TgChat): Contact {
  const name = chat.type === 'private' ? fullName(chat.first_name, chat.last_name) : chat.title;
  return {
    externalId: String(chat.id),
    identifier: chat.username ? `@${chat.username}` : String(chat.id),
    identifierType: 'social',
    ...(name ? { name } : {}),
  };
}

const messageId = (chat: TgChat, id: number) => `${chat.id}:${id}`;

function fromMessage(msg: TgMessage, botId: number): NormalizedEvent {
  const found = CONTENT.find(([field]) => msg[field] !== undefined);
  const body: Body | undefined = found ? found[1](msg[found[0]]) : msg.text !== undefined ? { messageType: 'text' } : undefined;
  if (!body) {
    const fields = Object.keys(msg).filter((k) => !['message_id', 'date', 'chat', 'from', 'sender_chat'].includes(k));
    return { type: 'unsupported', reason: `telegram message without supported content (${fields.join(', ')})` };
  }
  const metadata: Record<string, unknown> = { chatType: msg.chat.type, ...body.metadata };
  if (msg.chat.type !== 'private' && msg.from) {
    metadata.from = { id: msg.from.id, username: msg.from.username, name: fullName(msg.from.first_name, msg.from.last_name) };
  }
  if (msg.reply_to_message) metadata.replyTo = messageId(msg.chat, msg.reply_to_message.message_id);
  if (msg.media_group_id) metadata.mediaGroupId = msg.media_group_id;

  const event: MessageEvent = {
    type: 'message',
    externalId: messageId(msg.chat, msg.message_id),
    direction: msg.from?.is_bot && msg.from.id === botId ? 'out' : 'in',
    contact: contactOf(msg.chat),
    timestamp: msg.date * 1000,
    messageType: body.messageType,
    content: msg.text ?? msg.caption ?? body.content ?? '',
    metadata,
  };
  if (body.attachments) event.attachments = body.attachments;
  return event;
}

function fromEdit(msg: TgMessage): EditEvent {
  return {
    type: 'edit',
    externalId: messageId(msg.chat, msg.message_id),
    content: msg.text ?? msg.caption ?? '',
    timestamp: (msg.edit_date ?? msg.date) * 1000,
  };
}

function fromCallbackQuery(q: TgCallbackQuery, receivedAt: number): MessageEvent {
  // An inline-mode button has no message: the user is the only partner there is.
  const chat = q.message?.chat ?? { id: q.from.id, type: 'private', username: q.from.username, first_name: q.from.first_name, last_name: q.from.last_name };
  return {
    type: 'message',
    externalId: `cbq:${q.id}`,
    direction: 'in',
    contact: contactOf(chat),
    // A callback query carries no date of its own.
    timestamp: receivedAt,
    messageType: 'text',
    content: q.data ?? q.game_short_name ?? '',
    metadata: {
      callbackQuery: { id: q.id, data: q.data, ...(q.message ? { messageExternalId: messageId(q.message.chat, q.message.message_id) } : {}) },
    },
  };
}

function fromReaction(r: TgReactionUpdate): ReactionEvent {
  return {
    type: 'reaction',
    targetExternalId: messageId(r.chat, r.message_id),
    contact: contactOf(r.chat),
    emoji: r.new_reaction.find((x) => x.type === 'emoji')?.emoji ?? '',
    timestamp: r.date * 1000,
  };
}

const HANDLERS: Record<string, (value: any, ctx: { botId: number; receivedAt: number }) => NormalizedEvent> = {
  message: (m: TgMessage, c) => fromMessage(m, c.botId),
  channel_post: (m: TgMessage, c) => fromMessage(m, c.botId),
  edited_message: (m: TgMessage) => fromEdit(m),
  edited_channel_post: (m: TgMessage) => fromEdit(m),
  callback_query: (q: TgCallbackQuery, c) => fromCallbackQuery(q, c.receivedAt),
  message_reaction: (r: TgReactionUpdate) => fromReaction(r),
};

export function parse(raw: RawInbound, credentials: TelegramCredentials): NormalizedEvent[] {
  let update: Update;
  try {
    update = JSON.parse(raw.body) as Update;
  } catch {
    return [{ type: 'unsupported', reason: 'telegram update is not valid JSON' }];
  }
  const kind = Object.keys(update).find((k) => k !== 'update_id');
  if (!kind) return [{ type: 'unsupported', reason: 'telegram update without content' }];
  const handler = HANDLERS[kind];
  if (!handler) return [{ type: 'unsupported', reason: `telegram update kind ${kind} is not handled` }];
  return [handler(update[kind], { botId: botIdOf(credentials), receivedAt: raw.receivedAt })];
}
