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
import { z } from 'zod';
import { botIdOf } from './api.js';
import type { TelegramCredentials } from './credentials.js';

/**
 * Only the fields the hub reads (the Bot API sends many more), checked: an update of another
 * shape is kept as unsupported with the first mismatch, never half-read.
 */
const Int = z.number().int().refine(Number.isSafeInteger);
const TgUser = z.looseObject({ id: Int, is_bot: z.boolean().optional(), first_name: z.string().optional(), last_name: z.string().optional(), username: z.string().optional() });
const TgChat = z.looseObject({ id: Int, type: z.string(), title: z.string().optional(), username: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() });
const TgFile = z.looseObject({ file_id: z.string().min(1), file_size: z.number().optional(), file_name: z.string().optional(), mime_type: z.string().optional() });
const TgPhotoSize = TgFile.extend({ width: z.number(), height: z.number() });
const TgLocation = z.looseObject({ latitude: z.number(), longitude: z.number() });
/** Seconds since the epoch; 0 is what the Bot API sends for a message it no longer has. */
const TgDate = Int.nonnegative().max(8.64e12);
const TgMessage = z.looseObject({
  message_id: Int,
  date: TgDate,
  edit_date: TgDate.optional(),
  chat: TgChat,
  from: TgUser.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  media_group_id: z.string().optional(),
  reply_to_message: z.looseObject({ message_id: Int }).optional(),
  photo: z.array(TgPhotoSize).min(1).optional(),
  animation: TgFile.optional(),
  video: TgFile.optional(),
  video_note: TgFile.optional(),
  voice: TgFile.optional(),
  audio: TgFile.optional(),
  document: TgFile.optional(),
  sticker: TgFile.extend({ emoji: z.string().optional(), set_name: z.string().optional(), is_animated: z.boolean().optional(), is_video: z.boolean().optional() }).optional(),
  venue: z.looseObject({ location: TgLocation, title: z.string(), address: z.string() }).optional(),
  location: TgLocation.optional(),
  contact: z.looseObject({ phone_number: z.string(), first_name: z.string(), last_name: z.string().optional(), user_id: z.number().optional(), vcard: z.string().optional() }).optional(),
});
const TgCallbackQuery = z.looseObject({ id: z.string().min(1), from: TgUser, message: TgMessage.optional(), data: z.string().optional(), game_short_name: z.string().optional() });
const TgReactionUpdate = z.looseObject({ chat: TgChat, message_id: Int, date: TgDate, new_reaction: z.array(z.looseObject({ type: z.string(), emoji: z.string().optional() })) });
type TgChat = z.infer<typeof TgChat>;
type TgFile = z.infer<typeof TgFile>;
type TgPhotoSize = z.infer<typeof TgPhotoSize>;
type TgMessage = z.infer<typeof TgMessage>;
type TgCallbackQuery = z.infer<typeof TgCallbackQuery>;
type TgReactionUpdate = z.infer<typeof TgReactionUpdate>;

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

type TgLocation = z.infer<typeof TgLocation>;
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

function fromMessage(msg: TgMessage, c: Ctx): NormalizedEvent {
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
    direction: msg.from?.is_bot && msg.from.id === c.botId ? 'out' : 'in',
    contact: contactOf(msg.chat),
    timestamp: at(msg.date, c),
    messageType: body.messageType,
    content: msg.text ?? msg.caption ?? body.content ?? '',
    metadata,
  };
  if (body.attachments) event.attachments = body.attachments;
  return event;
}

function fromEdit(msg: TgMessage, c: Ctx): EditEvent {
  return {
    type: 'edit',
    externalId: messageId(msg.chat, msg.message_id),
    content: msg.text ?? msg.caption ?? '',
    timestamp: at(msg.edit_date || msg.date, c),
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

function fromReaction(r: TgReactionUpdate, c: Ctx): ReactionEvent {
  return {
    type: 'reaction',
    targetExternalId: messageId(r.chat, r.message_id),
    contact: contactOf(r.chat),
    emoji: r.new_reaction.find((x) => x.type === 'emoji')?.emoji ?? '',
    timestamp: at(r.date, c),
  };
}

type Ctx = { botId: number; receivedAt: number };
/** Seconds to ms; a missing date (0) is the time the hub received the update. */
const at = (seconds: number, c: Ctx) => (seconds > 0 ? seconds * 1000 : c.receivedAt);

const HANDLERS: Record<string, { shape: z.ZodType; read: (value: any, ctx: Ctx) => NormalizedEvent }> = {
  message: { shape: TgMessage, read: (m: TgMessage, c) => fromMessage(m, c) },
  channel_post: { shape: TgMessage, read: (m: TgMessage, c) => fromMessage(m, c) },
  edited_message: { shape: TgMessage, read: (m: TgMessage, c) => fromEdit(m, c) },
  edited_channel_post: { shape: TgMessage, read: (m: TgMessage, c) => fromEdit(m, c) },
  callback_query: { shape: TgCallbackQuery, read: (q: TgCallbackQuery, c) => fromCallbackQuery(q, c.receivedAt) },
  message_reaction: { shape: TgReactionUpdate, read: (r: TgReactionUpdate, c) => fromReaction(r, c) },
};

export function parse(raw: RawInbound, credentials: TelegramCredentials): NormalizedEvent[] {
  let update: unknown;
  try {
    update = JSON.parse(raw.body);
  } catch {
    return [{ type: 'unsupported', reason: 'telegram update is not valid JSON' }];
  }
  if (!update || typeof update !== 'object' || Array.isArray(update)) return [{ type: 'unsupported', reason: 'telegram update is not an object' }];
  const fields = update as Record<string, unknown>;
  const kind = Object.keys(fields).find((k) => k !== 'update_id');
  if (!kind) return [{ type: 'unsupported', reason: 'telegram update without content' }];
  const handler = Object.hasOwn(HANDLERS, kind) ? HANDLERS[kind] : undefined;
  if (!handler) return [{ type: 'unsupported', reason: `telegram update kind ${kind} is not handled` }];
  const checked = handler.shape.safeParse(fields[kind]);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return [{ type: 'unsupported', reason: `telegram ${kind} of an unexpected shape (${[kind, ...issue.path].join('.')}: ${issue.message})` }];
  }
  return [handler.read(checked.data, { botId: botIdOf(credentials), receivedAt: raw.receivedAt })];
}
