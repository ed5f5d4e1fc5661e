import { z } from 'zod';
import { MESSAGE_STATUSES } from './message-status.js';

/**
 * The wire shapes of CONTRACT.md (JSON, camelCase) as this hub sends them, with CONTRACT.md's
 * names. The server's views `satisfies` these types, the web app imports them and the OpenAPI
 * document describes its responses with these schemas.
 */

const isoTime = z.iso.datetime({ offset: true });

// The website live chat (platform `web`, kind `web_chat`, channel statuses `connecting` and
// `pairing`) joins these lists with the channels that send them.
export const Platform = z.enum(['whatsapp', 'instagram', 'facebook', 'telegram', 'email', 'sms', 'web']);
export type Platform = z.infer<typeof Platform>;
export const ChannelKind = z.enum(['whatsapp_cloud', 'whatsapp_web', 'messenger', 'instagram', 'telegram', 'email', 'twilio_sms', 'web_chat', 'sandbox']);
export type ChannelKind = z.infer<typeof ChannelKind>;
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;
export const MessageType = z.enum(['text', 'image', 'file', 'audio', 'video', 'location', 'system']);
export type MessageType = z.infer<typeof MessageType>;
export const SenderType = z.enum(['prospect', 'agent', 'bot']);
export type SenderType = z.infer<typeof SenderType>;
export const ConversationStatus = z.enum(['active', 'closed', 'archived']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;
export const Role = z.enum(['owner', 'admin', 'agent']);
export type Role = z.infer<typeof Role>;

export const Attachment = z.object({
  id: z.string(),
  kind: z.string(),
  fileName: z.string().optional(),
  fileSize: z.number().optional(),
  fileType: z.string().optional(),
  status: z.enum(['pending', 'ready', 'failed']),
  error: z.string().optional(),
  /** A signed `/media` URL, or the public link an agent sent; only once ready. */
  url: z.string().optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/** A message's first attachment, in its metadata. */
export const MessageFile = z.object({
  fileName: z.string().optional(),
  fileSize: z.number().optional(),
  fileType: z.string().optional(),
  url: z.string().optional(),
});
export type MessageFile = z.infer<typeof MessageFile>;

/** The first attachment's fields, all attachments, and what the platform added. */
export const MessageMetadata = z.looseObject({ ...MessageFile.shape, attachments: z.array(Attachment).optional() });
export type MessageMetadata = z.infer<typeof MessageMetadata>;

export const ChatMessage = z.object({
  id: z.string(),
  conversationId: z.string(),
  senderId: z.string(),
  senderType: SenderType,
  content: z.string(),
  messageType: MessageType,
  platform: Platform,
  timestamp: isoTime,
  status: MessageStatus,
  error: z.string().optional(),
  clientMessageId: z.string().optional(),
  metadata: MessageMetadata.optional(),
  /** An internal note: never sent to the platform, never shown to a visitor. */
  private: z.boolean().optional(),
  /** The message it quotes, and a snippet of it for the thread. */
  replyToId: z.string().optional(),
  quoted: z.object({ id: z.string(), content: z.string(), senderType: SenderType, messageType: MessageType, deleted: z.boolean() }).optional(),
  /** Who reacted with what: the contact's platform id, or `business` for the hub's own. */
  reactions: z.record(z.string(), z.string()).optional(),
  editedAt: isoTime.optional(),
  deletedAt: isoTime.optional(),
  /** A pending send that failed and will be tried again: which retry comes, of how many (`error` says why). */
  retrying: z.object({ attempt: z.number(), of: z.number() }).optional(),
  /** A reaction, edit or delete the platform has not confirmed yet, or that it refused. */
  action: z.object({ kind: z.enum(['react', 'edit', 'delete']), state: z.enum(['pending', 'failed']), error: z.string().optional() }).optional(),
  /** Opaque cursor for pagination (insertion order). */
  seq: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** An approved WhatsApp template (`GET /api/channels/:id/templates`). */
export const MessageTemplate = z.object({ name: z.string(), language: z.string(), category: z.string().optional(), body: z.string(), paramCount: z.number() });
export type MessageTemplate = z.infer<typeof MessageTemplate>;

/** A conversation's last message, as kept on the conversation for its list entry. */
export const LastMessage = z.looseObject({
  id: z.string().optional(),
  content: z.string(),
  messageType: MessageType,
  senderType: SenderType,
  timestamp: isoTime,
});
export type LastMessage = z.infer<typeof LastMessage>;

export const Conversation = z.object({
  id: z.string(),
  organizationId: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  prospectId: z.string(),
  clientId: z.string().optional(),
  platform: Platform,
  status: ConversationStatus,
  /** Email threads. */
  subject: z.string().optional(),
  lastMessage: LastMessage.optional(),
  lastActivity: isoTime,
  unreadCount: z.number().int(),
  assignedTo: z.string().optional(),
  tags: z.array(z.string()),
  botEnabled: z.boolean(),
  needsHuman: z.boolean(),
  isClientConverted: z.boolean(),
  prospect: z.object({ name: z.string().optional(), identifier: z.string(), avatar: z.string().optional() }),
  /** When free text stops being allowed (Meta's 24 h window); absent for channels without one. */
  windowClosesAt: isoTime.optional(),
  /** What the channel's platform lets the hub do to a message: react to it, edit or delete one it sent. */
  messageActions: z.object({ react: z.boolean(), edit: z.boolean(), delete: z.boolean() }),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Conversation = z.infer<typeof Conversation>;

export const Prospect = z.object({
  id: z.string(),
  organizationId: z.string(),
  identifier: z.string(),
  identifierType: z.enum(['phone', 'email', 'social']),
  name: z.string().optional(),
  avatar: z.string().optional(),
  platform: Platform,
  channelId: z.string(),
  isClient: z.boolean(),
  clientId: z.string().optional(),
  lastSeen: isoTime.optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Prospect = z.infer<typeof Prospect>;

export const Note = z.object({
  id: z.string(),
  clientId: z.string(),
  content: z.string(),
  author: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  createdAt: isoTime,
});
export type Note = z.infer<typeof Note>;

export const Quote = z.object({
  id: z.string(),
  clientId: z.string(),
  title: z.string(),
  amount: z.number(),
  currency: z.string(),
  status: z.enum(['draft', 'sent', 'accepted', 'rejected']),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Quote = z.infer<typeof Quote>;

/** What a client's accepted quotes come to in one currency. */
export const QuoteTotal = z.object({ currency: z.string(), value: z.number() });
export type QuoteTotal = z.infer<typeof QuoteTotal>;

/** A client as lists and updates return it (no notes, quotes or conversations). */
export const ClientSummary = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  phone: z.string(),
  company: z.string().optional(),
  status: z.enum(['active', 'inactive']),
  tags: z.array(z.string()),
  /** The accepted quotes' total when they share one currency (0 with none); null when their currencies differ: see `totals`. */
  totalValue: z.number().nullable(),
  /** The accepted quotes' total per currency, by currency code; amounts in different currencies are never added together. */
  totals: z.array(QuoteTotal),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type ClientSummary = z.infer<typeof ClientSummary>;

/** A client with everything its panel shows (`GET /api/clients/:id`). */
export const Client = ClientSummary.extend({
  notes: z.array(Note),
  quotes: z.array(Quote),
  conversations: z.array(Conversation).optional(),
});
export type Client = z.infer<typeof Client>;

export const ChannelStatus = z.enum(['active', 'connecting', 'pairing', 'needs_auth', 'error', 'disabled']);

/** How to link a WhatsApp Web channel while it is `pairing`: a QR to scan or a code to type on the phone. */
export const ChannelPairing = z.object({ qr: z.string().optional(), qrDataUrl: z.string().optional(), code: z.string().optional(), expiresAt: isoTime });
export type ChannelPairing = z.infer<typeof ChannelPairing>;
export type ChannelStatus = z.infer<typeof ChannelStatus>;

export const Channel = z.object({
  id: z.string(),
  kind: ChannelKind,
  platform: Platform,
  name: z.string(),
  status: ChannelStatus,
  statusReason: z.string().optional(),
  pairing: ChannelPairing.optional(),
  webhookUrl: z.string().optional(),
  /** Secrets masked. */
  credentials: z.record(z.string(), z.unknown()),
  botEnabledDefault: z.boolean(),
  /** An unofficial connection (WhatsApp Web): may break without notice. */
  bestEffort: z.literal(true).optional(),
  /** web_chat: what the site's snippet names the channel by (public), and the snippet itself. */
  websiteToken: z.string().optional(),
  embedSnippet: z.string().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Channel = z.infer<typeof Channel>;

export const User = z.object({
  id: z.string(),
  organizationId: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  disabled: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type User = z.infer<typeof User>;

/** `GET /api/agents`: who a conversation can be assigned to, with their presence. */
export const Agent = z.object({ id: z.string(), name: z.string(), role: Role, status: z.enum(['online', 'offline']) });
export type Agent = z.infer<typeof Agent>;

/** A page of a list: `nextCursor` fetches the next one. */
export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().optional() });
export type Page<T> = { items: T[]; nextCursor?: string };

/** A page of a thread, oldest first: `hasMore` when older messages exist. */
export const MessagePage = z.object({ items: z.array(ChatMessage), hasMore: z.boolean() });
export type MessagePage = z.infer<typeof MessagePage>;

/** What converting or linking a prospect answers. */
export const ProspectConversion = z.object({ client: ClientSummary, prospect: Prospect.optional() });
export type ProspectConversion = z.infer<typeof ProspectConversion>;

/** What adding or changing a quote answers: the quote and the client's new total. */
export const QuoteChange = z.object({ quote: Quote, client: ClientSummary });
export type QuoteChange = z.infer<typeof QuoteChange>;

export const ErrorBody = z.object({ error: z.looseObject({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** What signing in (and changing one's password) answers: a bearer token and the user. */
export const Session = z.object({ token: z.string(), user: User });
export type Session = z.infer<typeof Session>;

/** A rules-bot prompt (admin): greeting, keyword answer, hand-off text, or a model's system prompt. */
export const BotPrompt = z.object({
  id: z.string(),
  kind: z.enum(['greeting', 'keyword', 'handoff', 'system', 'fallback']),
  keyword: z.string().optional(),
  response: z.string(),
  enabled: z.boolean(),
  channelId: z.string().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type BotPrompt = z.infer<typeof BotPrompt>;

/** What `POST /api/uploads` answers: a stored file, to send with `attachmentIds`; `url` previews it (signed, relative). */
export const UploadedFile = z.object({ id: z.string(), kind: z.string(), ...MessageFile.required().shape });
export type UploadedFile = z.infer<typeof UploadedFile>;

/** A kept webhook payload (secrets redacted), from `GET /api/webhook-events` (admin). */
export const WebhookEvent = z.object({
  id: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  channelKind: ChannelKind,
  /** received, stored, updated, duplicate, unsupported, ignored, failed or replayed. */
  outcome: z.string(),
  detail: z.string().optional(),
  payload: z.string(),
  contentType: z.string().optional(),
  receivedAt: isoTime,
  expiresAt: isoTime,
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** An invitation to join the organization (admin), `GET /api/invites`. */
export const Invite = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().optional(),
  role: z.enum(['admin', 'agent']),
  status: z.enum(['pending', 'expired']),
  invitedBy: z.string().optional(),
  createdAt: isoTime,
  expiresAt: isoTime,
});
export type Invite = z.infer<typeof Invite>;

/** One entry of the organization's audit log (admin), `GET /api/audit-log` pages them. */
export const AuditEntry = z.object({
  id: z.string(),
  at: isoTime,
  actorId: z.string().optional(),
  actorEmail: z.string().optional(),
  action: z.string(),
  targetType: z.string().optional(),
  targetId: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  address: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const NotificationType = z.enum(['mention', 'assigned', 'new_conversation']);
export type NotificationType = z.infer<typeof NotificationType>;

/** Something for one agent to look at (`GET /api/notifications`, the `notification` event). */
export const Notification = z.object({
  id: z.string(),
  type: NotificationType,
  conversationId: z.string().optional(),
  messageId: z.string().optional(),
  text: z.string(),
  readAt: isoTime.optional(),
  createdAt: isoTime,
});
export type Notification = z.infer<typeof Notification>;

/** A page of the caller's notifications, newest first, and how many are unread in all. */
export const NotificationPage = z.object({ items: z.array(Notification), nextCursor: z.string().optional(), unreadCount: z.number().int() });
export type NotificationPage = z.infer<typeof NotificationPage>;

/** A search hit's snippet: plain text and the ranges to highlight (never markup). */
export const SearchSnippet = z.object({
  text: z.string(),
  highlights: z.array(z.object({ start: z.number().int(), length: z.number().int() })),
});
export type SearchSnippet = z.infer<typeof SearchSnippet>;

/** `GET /api/search/messages?q=`: newest first, over the organization's whole history. */
export const SearchResults = z.object({
  items: z.array(z.object({ message: ChatMessage, conversation: Conversation, snippet: SearchSnippet })),
});
export type SearchResults = z.infer<typeof SearchResults>;

/** A canned response: typed as `/shortCode` in the composer; `{{contact.name}}` and the like filled in. */
export const CannedResponse = z.object({
  id: z.string(),
  shortCode: z.string(),
  content: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type CannedResponse = z.infer<typeof CannedResponse>;
