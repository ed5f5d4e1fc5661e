/**
 * The connector contract: one object per channel kind, registered in ./registry.ts.
 *
 * A connector never touches the database, the queues or the environment. It declares its
 * credentials, and offers capabilities the pipeline uses when present:
 * - `webhook`: verify a platform's request and turn an accepted body into normalized events;
 * - `pull`: run inside the worker role (IMAP IDLE, Telegram long polling, WhatsApp Web) and
 *   hand raw inbound payloads to the same ingest path as webhooks;
 * - `send`: deliver an agent's or the bot's message and return the platform's id;
 * - `media`: download a platform-held file (an inbound attachment) with the channel's credentials;
 * - `profile`: look up a person's name and picture when the payloads carry only an id.
 * Parsing is shared by webhook and pull channels: every raw inbound payload is queued as a
 * `RawInbound` and parsed by `parse` in the ingest worker.
 */
import type { z } from 'zod';

export type Platform = 'whatsapp' | 'instagram' | 'facebook' | 'telegram' | 'email' | 'sms' | 'web';
export type ChannelKind =
  | 'whatsapp_cloud'
  | 'whatsapp_web'
  | 'messenger'
  | 'instagram'
  | 'telegram'
  | 'email'
  | 'twilio_sms'
  | 'web_chat'
  /** The demo channels' built-in stand-in (connectors/sandbox/). */
  | 'sandbox';
export type MessageType = 'text' | 'image' | 'file' | 'audio' | 'video' | 'location' | 'system';
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';
export type IdentifierType = 'phone' | 'email' | 'social';

/** A webhook request as the hub received it. */
export interface WebhookRequest {
  method: 'GET' | 'POST';
  /** The public URL the platform called (PUBLIC_URL + path + query): what Twilio signs. */
  url: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  rawBody: Buffer;
}

export type VerifyResult =
  /** A genuine delivery: queue it. */
  | { kind: 'accept' }
  /** Answer directly and queue nothing (a subscription handshake, say). */
  | { kind: 'respond'; status: number; body: string }
  /** Refuse: bad or missing signature or token. */
  | { kind: 'reject'; status: 401 | 403; reason: string };

/** A raw inbound payload, queued as is and parsed in the ingest worker. */
export interface RawInbound {
  /** The body as text (JSON, form-encoded, or a raw RFC 5322 email). */
  body: string;
  contentType?: string;
  /** When the hub received it (epoch ms). */
  receivedAt: number;
}

/** The person on the platform side. */
export interface Contact {
  /** The platform's id for them: wa_id, page-scoped id, chat id, email address, E.164 number. */
  externalId: string;
  identifier: string;
  identifierType: IdentifierType;
  name?: string;
  avatar?: string;
}

export interface InboundAttachment {
  kind: 'image' | 'file' | 'audio' | 'video' | 'sticker';
  /** Where to fetch it with `media.fetch`: a platform media id or a URL. */
  source: string;
  fileName?: string;
  mimeType?: string;
  fileSize?: number;
  /** Inline content (a MIME part of an email), when the payload carries the bytes. */
  inline?: { base64: string; contentId?: string };
}

/** A message in either direction; `direction: 'out'` is an echo of the business's own message. */
export interface MessageEvent {
  type: 'message';
  externalId: string;
  direction: 'in' | 'out';
  contact: Contact;
  /** Platform time of the message (epoch ms). */
  timestamp: number;
  messageType: MessageType;
  content: string;
  metadata?: Record<string, unknown>;
  attachments?: InboundAttachment[];
  /** Email threading: every id this message refers to (References, In-Reply-To). */
  threadRefs?: string[];
  subject?: string;
  /**
   * Machine-written mail (auto-reply, out-of-office): it never opens a conversation or a
   * prospect; it is kept as a system message only in a thread that already exists.
   */
  automated?: 'auto_reply';
}

/** A delivery status for a message the hub (or an echo) sent. */
export interface StatusEvent {
  type: 'status';
  externalId: string;
  status: DeliveryStatus;
  timestamp: number;
  /** The platform's reason, for 'failed'. */
  error?: string;
  /** The contact the message was exchanged with, when the platform names them: the event then keeps to that contact's ingest lane. */
  contactExternalId?: string;
}

/** Messenger/Instagram style: everything sent to this contact up to `upTo` is delivered/read. */
export interface WatermarkEvent {
  type: 'watermark';
  contactExternalId: string;
  status: 'delivered' | 'read';
  upTo: number;
}

export interface ReactionEvent {
  type: 'reaction';
  targetExternalId: string;
  contact: Contact;
  /** Empty string removes the contact's reaction. */
  emoji: string;
  timestamp: number;
}

/** The platform edited a message it sent before (Telegram edited_message). */
export interface EditEvent {
  type: 'edit';
  externalId: string;
  content: string;
  timestamp: number;
  /** The sender deleted it for everyone (WhatsApp revoke): kept, marked deleted. */
  deleted?: boolean;
  /** The contact the message was exchanged with, when the platform names them: the event then keeps to that contact's ingest lane. */
  contactExternalId?: string;
}

/** The person unsent (deleted) a message of theirs (Instagram `is_deleted`). */
export interface DeleteEvent {
  type: 'delete';
  externalId: string;
  timestamp: number;
  /** The contact the message was exchanged with, when the platform names them: the event then keeps to that contact's ingest lane. */
  contactExternalId?: string;
}

/** Valid but not understood: acknowledged, kept and counted, never retried. */
export interface UnsupportedEvent {
  type: 'unsupported';
  reason: string;
}

export type NormalizedEvent = MessageEvent | StatusEvent | WatermarkEvent | ReactionEvent | EditEvent | DeleteEvent | UnsupportedEvent;

/** What the outbound pipeline asks a connector to deliver. */
export interface OutboundMessage {
  messageId: string;
  to: Contact;
  content: string;
  messageType: MessageType;
  /** `content`: the file's bytes, given to connectors that send bytes rather than a link (SendCapability.needsFileContent). */
  attachments?: { url: string; mimeType?: string; fileName?: string; content?: Buffer }[];
  /** Email: headers that keep the thread together. */
  thread?: { subject?: string; inReplyTo?: string; references?: string[]; messageId?: string };
  /** The message this one quotes, by the platform's id (a quoted reply). */
  replyTo?: { externalId: string };
  /** A pre-approved template instead of free text (WhatsApp; allowed outside the window). */
  template?: TemplateSend;
}

export interface TemplateSend { name: string; language: string; params: string[] }

/** A message the hub sent before, as an edit, delete or reaction names it. */
export interface SentRef { externalId: string; to: Contact }

/** An approved message template of the channel's business account. */
export interface MessageTemplate {
  name: string;
  language: string;
  category?: string;
  /** The body text with its {{1}}, {{2}} placeholders. */
  body: string;
  /** How many parameters the body takes. */
  paramCount: number;
}

export interface ConnectorContext {
  /** The hub's channel id (connectors whose session lives in a process: WhatsApp Web). */
  channelId?: string;
  /** The channel's public webhook URL (status callbacks, setWebhook). */
  webhookUrl: string;
  /** fetch, so tests and proxies can stand in without a connector knowing. The hub's refuses non-public addresses. */
  fetch: typeof fetch;
  /** Milliseconds before a silent platform counts as a temporary failure (API calls, file downloads); unset: the connector's own defaults. */
  timeouts?: { apiMs?: number; downloadMs?: number };
  /**
   * For connectors whose SDK opens its own connections (Twilio): `check` throws unless the hub may
   * connect to a URL; `lookup` is net.connect's name resolution with the same rule.
   */
  guard?: { check(url: string): Promise<unknown>; lookup: NonNullable<import('node:net').TcpNetConnectOpts['lookup']> };
  /** For the website live chat, whose "platform" is the hub itself: its realtime layer and media store. */
  visitors?: VisitorBridge;
}

/** What the hub does for a channel whose visitors talk to it directly (web_chat). */
export interface VisitorBridge {
  /** Pushes a stored outgoing message to the visitor's open widgets (delivered once one acknowledges it). */
  deliver(visitorId: string, messageId: string): Promise<void>;
  /** A file the visitor uploaded to this channel. */
  readUpload(uploadId: string): Promise<{ data: Buffer; mimeType?: string; fileName?: string }>;
}

export type ErrorCategory = 'temporary' | 'rate_limited' | 'auth' | 'permanent';

/** A platform's refusal, already classified; any other thrown error counts as temporary. */
export class ConnectorError extends Error {
  constructor(
    readonly category: ErrorCategory,
    message: string,
    readonly code?: string,
    /** Seconds the platform asked us to wait, for rate limits. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export interface WebhookCapability<C> {
  /** How the body must parse before anything is queued (400 otherwise). */
  bodyFormat: 'json' | 'form';
  verify(req: WebhookRequest, credentials: C): VerifyResult;
  /** The platform's id for this delivery, so a redelivery is the same job; default: a hash of the body. */
  deliveryId?(req: WebhookRequest): string | undefined;
  /** A JSON body to answer an accepted delivery with, for platforms that act on it (Telegram runs a Bot API method given there). */
  reply?(req: WebhookRequest): unknown;
}

export interface PullHandle {
  stop(): Promise<void>;
  /** Ends the platform login (WhatsApp Web: unlinks the device) before a restart. */
  logout?(): Promise<void>;
}

export interface PullContext<C> extends ConnectorContext {
  channelId: string;
  credentials: C;
  /** Where the connector resumes from (IMAP UIDVALIDITY/UID, Telegram offset). */
  cursor: Record<string, unknown> | null;
  /** Queue one raw payload for ingest; resolves once it is safely queued, then the cursor is saved. */
  emit(raw: RawInbound, deliveryId: string, cursor?: Record<string, unknown>): Promise<void>;
  /** Save where to resume when there was nothing to emit (an empty mailbox, a skipped message). */
  saveCursor(cursor: Record<string, unknown>): Promise<void>;
  /** Report health (connected, connecting, pairing with the QR or code to show, needs_auth) for admins. */
  setState(state: PullState, reason?: string, pairing?: Pairing): void;
  /** The channel's login session (a browser profile zip), kept sealed in the hub's database for any worker to resume. */
  session?: SessionStore;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export type PullState = 'active' | 'connecting' | 'pairing' | 'error' | 'needs_auth';

/** How to link a device while pairing: a QR (its text and an image) or a code to type, until expiresAt (ISO 8601). */
export interface Pairing { qr?: string; qrDataUrl?: string; code?: string; expiresAt: string }

export interface SessionStore {
  load(): Promise<Buffer | null>;
  save(data: Buffer): Promise<void>;
  delete(): Promise<void>;
}

export interface PullCapability<C> {
  start(ctx: PullContext<C>): Promise<PullHandle>;
  /** At most this many channels of the kind run in one worker process; the rest wait for another worker. */
  maxPerProcess?(): number;
}

export interface SendCapability<C> {
  send(message: OutboundMessage, credentials: C, ctx: ConnectorContext): Promise<{ externalId: string }>;
  /** Platforms that refuse free text after a quiet period (Meta: 24 h since the last inbound). */
  windowHours?: number;
  /**
   * The connector sends files' bytes, not links (email): the pipeline reads each one from the media
   * store or downloads it through the hub's guarded fetcher, and hands it over as `content`.
   */
  needsFileContent?: boolean;
  /** React to a message (an empty emoji removes the business's reaction). */
  react?(target: SentRef, emoji: string, credentials: C, ctx: ConnectorContext): Promise<void>;
  /** Change the text of a message the hub sent. */
  edit?(target: SentRef, content: string, credentials: C, ctx: ConnectorContext): Promise<void>;
  /** Delete a message the hub sent, for everyone. */
  delete?(target: SentRef, credentials: C, ctx: ConnectorContext): Promise<void>;
  /** The platform delivers replies as quotes of `OutboundMessage.replyTo`. */
  quotes?: boolean;
  /** Approved templates (WhatsApp): listed here, sent with `OutboundMessage.template`. */
  templates?(credentials: C, ctx: ConnectorContext): Promise<MessageTemplate[]>;
}

export interface MediaCapability<C> {
  fetch(source: string, credentials: C, ctx: ConnectorContext): Promise<{ data: Buffer; mimeType?: string; fileName?: string }>;
}

/** Platforms whose payloads carry only an id for the person (Messenger, Instagram): who they are. */
export interface ProfileCapability<C> {
  fetch(contact: Contact, credentials: C, ctx: ConnectorContext): Promise<{ name?: string; avatar?: string }>;
}

export interface Connector<C = any> {
  kind: ChannelKind;
  platform: Platform;
  /** Link to the platform's documentation. */
  docs: string;
  credentials: z.ZodType<C>;
  /** Credential fields that are secrets: write-only, masked in every answer. */
  secretFields: readonly string[];
  parse(raw: RawInbound, credentials: C): NormalizedEvent[] | Promise<NormalizedEvent[]>;
  webhook?: WebhookCapability<C>;
  pull?: PullCapability<C>;
  send?: SendCapability<C>;
  media?: MediaCapability<C>;
  profile?: ProfileCapability<C>;
  /** Called when a channel is created or its credentials change (Telegram setWebhook). */
  activate?(credentials: C, ctx: ConnectorContext): Promise<void>;
  /** Maps a thrown error to what the pipeline should do; ConnectorError carries its own. */
  classifyError?(e: unknown): ErrorCategory;
}
