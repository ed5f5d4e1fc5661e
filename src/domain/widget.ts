import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { RawInbound } from '../../connectors/types.js';
import { UPLOAD_SOURCE, visitorMessageId } from '../../connectors/web-chat/index.js';
import type { VisitorPayload, WebChatCredentials } from '../../connectors/web-chat/credentials.js';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../errors.js';
import { channelIdOfWebsiteToken } from '../security/website-token.js';
import { isOwnOrigin } from '../security/origins.js';
import { publishWidgetEvent } from '../queue/widget-events.js';
import { redisKeys } from '../queue/redis-keys.js';
import { messageView, type ChatMessage } from './read-models.js';
import { markDelivered as markMessagesDelivered, markVisitorRepliesRead, messageByExternalId, visitorMessagesBefore } from '../db/messages.js';
import { latestContactConversation } from '../db/conversations.js';
import { readyFileFrom, unsentUploadsOf } from '../db/attachments.js';
import { promptKeywords } from '../db/bot-prompts.js';
import { activeMembers } from '../db/users.js';
import { clientForContactEmail } from '../db/prospects.js';
import {
  identifyVisitor, insertAnonymousVisitor, refreshAnonymousVisitor, upsertIdentifiedVisitor, visitorById, type VisitorFields, type WidgetVisitorRow,
} from '../db/widget-visitors.js';
import { linkProspect } from './crm.js';
import type * as wire from '../../contract/wire.js';
import type { VisitorMessagePage, VisitorReadInput, WidgetConfig, WidgetSession } from '../../contract/widget.js';

/** The website live chat's visitor side: sessions, identity, their own thread, their messages. */

export type WidgetChannel = { id: string; orgId: string; name: string; credentials: WebChatCredentials };
export type Visitor = {
  id: string;
  channel: WidgetChannel;
  name?: string;
  email?: string;
  identifier?: string;
  emailVerified: boolean;
  page?: { url?: string; referrer?: string; browser?: string };
};
/** Queues one raw inbound payload for a channel (pipeline/ingest.queue.ts `enqueueInbound`, given by the caller). */
export type EnqueueInbound = (channelId: string, deliveryId: string, raw: RawInbound) => Promise<void>;

const TOKEN_PURPOSE = 'visitor-token';
/** How long a visitor's POST waits for the pipeline to store their message. */
const STORE_WAIT_MS = 10_000;

const text = (max: number) => z.string().trim().max(max);
const Page = z.object({ url: text(2000).optional(), referrer: text(2000).optional(), browser: text(500).optional() }).optional();

export const SessionInput = z.object({
  websiteToken: z.string().max(200),
  visitorToken: z.string().max(300).optional(),
  identifier: text(200).min(1).optional(),
  identifierHash: z.string().max(200).optional(),
  name: text(200).min(1).optional(),
  email: z.email().max(320).optional(),
  page: Page,
});
export const VisitorSendInput = z.object({
  content: text(4096).default(''),
  clientMessageId: z.string().trim().min(1).max(100),
  attachmentIds: z.array(z.uuid()).max(10).optional(),
});
export const VisitorPageInput = z.object({
  before: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** The channel a site's websiteToken names: a web_chat channel that is not disabled. */
export async function widgetChannel(deps: Deps, websiteToken: unknown): Promise<WidgetChannel> {
  const id = channelIdOfWebsiteToken(deps.box, websiteToken);
  const ch = id ? await deps.channels.get(id) : undefined;
  if (!ch || ch.kind !== 'web_chat') throw notFound('Website');
  if (ch.status === 'disabled') throw new AppError(403, 'channel_disabled', 'This chat is switched off');
  return { id: ch.id, orgId: ch.orgId, name: ch.name, credentials: ch.credentials as WebChatCredentials };
}

/**
 * A browser origin the channel accepts: one of its allowedOrigins, or the hub's own (PUBLIC_URL's,
 * or the request's own host: the widget's frame, which browsers render only inside allowedOrigins,
 * its frame-ancestors, and the admin console's preview).
 */
export function widgetOriginAllowed(deps: Pick<Deps, 'publicUrl'>, channel: WidgetChannel, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return false;
  return channel.credentials.allowedOrigins.includes(origin) || isOwnOrigin(deps, origin, host);
}

export function checkOrigin(deps: Pick<Deps, 'publicUrl'>, channel: WidgetChannel, origin: string | undefined, host: string | undefined): void {
  if (!widgetOriginAllowed(deps, channel, origin, host)) throw forbidden('This website may not use this chat');
}

/** A long-lived bearer token naming one visitor of one channel (no storage: a keyed tag). */
const tokenFor = (deps: Pick<Deps, 'box'>, visitorId: string, channelId: string) =>
  `${visitorId}.${channelId}.${deps.box.tag(TOKEN_PURPOSE, `${visitorId}.${channelId}`)}`;

function readToken(deps: Pick<Deps, 'box'>, token: unknown): { visitorId: string; channelId: string } | undefined {
  if (typeof token !== 'string') return undefined;
  const [visitorId = '', channelId = '', tag = ''] = token.split('.');
  if (!z.uuid().safeParse(visitorId).success || !z.uuid().safeParse(channelId).success) return undefined;
  const expected = Buffer.from(deps.box.tag(TOKEN_PURPOSE, `${visitorId}.${channelId}`));
  const given = Buffer.from(tag);
  return given.length === expected.length && timingSafeEqual(given, expected) ? { visitorId, channelId } : undefined;
}

/** Whether `hash` is the hex HMAC-SHA256 of `identifier` under the channel's identity secret. */
export function identityVerified(secret: string, identifier: string, hash: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(identifier).digest('hex'));
  const given = Buffer.from(hash.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const visitorOf = (row: WidgetVisitorRow, channel: WidgetChannel): Visitor => ({
  id: row.id,
  channel,
  name: row.name ?? undefined,
  email: row.email ?? undefined,
  identifier: row.identifier ?? undefined,
  emailVerified: row.email_verified,
  page: row.page ?? undefined,
});

/**
 * Starts (or continues) a visitor's session. A verified identifier is one visitor per channel on
 * every device; a returning visitorToken continues its visitor; otherwise a new anonymous one.
 * An unverified identifier is never trusted: a wrong hash is 401, and so is none at all when the
 * channel requires identity.
 */
export async function startSession(deps: Deps, channel: WidgetChannel, input: z.infer<typeof SessionInput>): Promise<WidgetSession> {
  const { credentials } = channel;
  let verified: string | undefined;
  if (input.identifierHash !== undefined) {
    if (!input.identifier || !identityVerified(credentials.identitySecret, input.identifier, input.identifierHash)) {
      throw unauthorized('The identifier hash does not match');
    }
    verified = input.identifier;
  }
  if (credentials.requireIdentity && !verified) throw unauthorized('This chat is for signed-in customers: identifier and identifierHash are required');
  const returning = readToken(deps, input.visitorToken);
  const returningId = returning?.channelId === channel.id ? returning.visitorId : undefined;

  const fields: VisitorFields = { name: input.name ?? null, email: input.email ?? null, emailVerified: Boolean(verified && input.email), page: input.page ?? null };
  const row = await withSql(deps.orm, async (sql) => {
    if (verified) {
      // The anonymous visitor this browser was becomes the identified one, unless that one exists already.
      const upgraded = returningId ? await identifyVisitor(sql, returningId, channel.id, verified, fields) : undefined;
      return upgraded ?? upsertIdentifiedVisitor(sql, channel.orgId, channel.id, verified, fields);
    }
    // An identified visitor continues only with their identity proven again (someone else may
    // use this browser once they signed out of the site): otherwise a new anonymous visitor.
    const returned = returningId ? await refreshAnonymousVisitor(sql, returningId, channel.id, fields) : undefined;
    return returned ?? insertAnonymousVisitor(sql, channel.orgId, channel.id, fields);
  });
  const visitor = visitorOf(row, channel);
  const conversationId = (await withSql(deps.orm, (sql) => latestContactConversation(sql, channel.id, visitor.id)))?.id;
  return {
    visitorToken: tokenFor(deps, visitor.id, channel.id),
    visitor: { id: visitor.id, name: visitor.name, email: visitor.email },
    conversationId,
  };
}

/** The visitor a bearer token names, now: the channel still there and switched on, identity still as required. */
export async function authenticateVisitor(deps: Deps, token: unknown): Promise<Visitor> {
  const claims = readToken(deps, token);
  if (!claims) throw unauthorized('Invalid visitor token');
  const ch = await deps.channels.get(claims.channelId);
  if (!ch || ch.kind !== 'web_chat' || ch.status === 'disabled') throw unauthorized('This chat is no longer available');
  const channel: WidgetChannel = { id: ch.id, orgId: ch.orgId, name: ch.name, credentials: ch.credentials };
  const row = await withSql(deps.orm, (sql) => visitorById(sql, claims.visitorId, ch.id));
  if (!row) throw unauthorized('Unknown visitor');
  if (channel.credentials.requireIdentity && !row.identifier) throw unauthorized('This chat is for signed-in customers');
  return visitorOf(row, channel);
}

/** A message as its visitor sees it: no agent ids, none of the hub's own metadata. */
export function visitorView(m: ChatMessage, visitorId: string): wire.ChatMessage {
  const { fileName, fileSize, fileType, url, attachments, clientMessageId } = (m.metadata ?? {}) as wire.MessageMetadata;
  const metadata = attachments?.length ? { fileName, fileSize, fileType, url, attachments } : undefined;
  return {
    ...m,
    senderId: m.senderType === 'prospect' ? visitorId : m.senderType,
    clientMessageId: m.clientMessageId ?? (typeof clientMessageId === 'string' ? clientMessageId : undefined),
    metadata,
  };
}

/**
 * A page of the visitor's own thread, oldest to newest (`before`: older than that seq). What the
 * widget fetched counts as delivered to it.
 */
export async function visitorThread(deps: Deps, v: Visitor, q: z.infer<typeof VisitorPageInput>): Promise<VisitorMessagePage> {
  const { rows, delivered } = await withSql(deps.orm, async (sql) => {
    const rows = await visitorMessagesBefore(sql, v.channel.id, v.id, q.limit + 1, q.before);
    const sent = rows.filter((r) => r.direction === 'out' && r.status === 'sent').map((r) => r.id);
    const delivered = await markMessagesDelivered(sql, sent, ['sent']);
    for (const r of rows) if (delivered.includes(r.id)) r.status = 'delivered';
    return { rows, delivered };
  });
  if (delivered.length) await deps.live.messagesUpdated(delivered);
  const items = rows.slice(0, q.limit).reverse().map((r) => visitorView(messageView(r, deps.signer), v.id));
  return { items, hasMore: rows.length > q.limit };
}

/** The visitor saw everything sent to them: those messages are `read`, and their agents see it. */
export async function markVisitorRead(deps: Deps, v: Visitor, input: VisitorReadInput = {}): Promise<{ read: number }> {
  const ids = await withSql(deps.orm, (sql) => markVisitorRepliesRead(sql, v.channel.id, v.id, input.shown));
  await deps.live.messagesUpdated(ids);
  return { read: ids.length };
}

/** An outgoing message the visitor's widget confirmed it has. */
export async function markDelivered(deps: Deps, messageId: string): Promise<void> {
  const changed = await withSql(deps.orm, (sql) => markMessagesDelivered(sql, [messageId], ['pending', 'sent']));
  if (changed.length) await deps.live.messagesUpdated(changed);
}

/**
 * What a visitor writes enters as any platform's inbound message: queued for the ingest worker
 * (so ordering and exactly-once hold as for webhooks), and answered once it is stored. The same
 * clientMessageId again is the same job and the same message.
 */
export async function submitVisitorMessage(deps: Deps, enqueue: EnqueueInbound, v: Visitor, input: z.infer<typeof VisitorSendInput>): Promise<wire.ChatMessage> {
  const externalId = visitorMessageId(v.id, input.clientMessageId);
  const stored = await withSql(deps.orm, (sql) => messageByExternalId(sql, v.channel.id, externalId));
  if (stored) return visitorView(messageView(stored, deps.signer), v.id);
  if (!input.content && !input.attachmentIds?.length) throw badRequest('A message needs some text or a file', 'validation_error');
  const ids = [...new Set(input.attachmentIds ?? [])];
  const uploads = ids.length
    ? await withSql(deps.orm, (sql) => unsentUploadsOf(sql, ids, v.channel.orgId, uploadSourceOf(v)))
    : [];
  if (uploads.length !== ids.length) throw badRequest('Unknown upload', 'unknown_upload');
  const byId = new Map(uploads.map((u) => [u.id, u]));
  const payload: VisitorPayload = {
    visitorId: v.id,
    clientMessageId: input.clientMessageId,
    content: input.content,
    sentAt: Date.now(),
    name: v.name,
    email: v.emailVerified ? v.email : undefined,
    identifier: v.identifier,
    page: v.page,
    attachments: ids.map((id) => {
      const u = byId.get(id)!;
      return { uploadId: id, kind: u.kind, fileName: u.file_name ?? undefined, mimeType: u.mime_type ?? undefined, fileSize: u.file_size ?? undefined };
    }),
  };
  await enqueue(v.channel.id, externalId, { body: JSON.stringify(payload), contentType: 'application/json', receivedAt: Date.now() });
  const row = await waitForStored(deps, v, externalId);
  await linkVerifiedEmail(deps, v);
  const view = visitorView(messageView(row, deps.signer), v.id);
  // The visitor's other tabs and devices.
  await publishWidgetEvent(deps.redis, redisKeys(deps.config.queuePrefix), { kind: 'messages', event: 'new_message', messageIds: [view.id] });
  return view;
}

async function waitForStored(deps: Deps, v: Visitor, externalId: string) {
  const end = Date.now() + STORE_WAIT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    const row = await withSql(deps.orm, (sql) => messageByExternalId(sql, v.channel.id, externalId));
    if (row) return row;
    if (Date.now() > end) throw new AppError(503, 'not_stored_yet', 'The message is queued but not stored yet; send it again with the same clientMessageId');
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** A verified visitor whose email is a client's: their prospect becomes that client's. */
async function linkVerifiedEmail(deps: Deps, v: Visitor): Promise<void> {
  if (!v.emailVerified || !v.email) return;
  const email = v.email;
  const match = await withSql(deps.orm, (sql) => clientForContactEmail(sql, v.channel.id, v.id, email));
  if (match) await linkProspect(deps, { userId: 'system', orgId: v.channel.orgId, role: 'admin' }, match.prospect_id, match.client_id);
}

/** The `source` of a visitor's upload rows: who may send them. */
export const uploadSourceOf = (v: Visitor) => `${UPLOAD_SOURCE}${v.id}`;

/** A visitor's upload of a channel, for the media job that copies it to its message (the connector's `media.fetch`). */
export async function readVisitorUpload(deps: Deps, orgId: string, uploadId: string): Promise<{ data: Buffer; mimeType?: string; fileName?: string }> {
  const row = z.uuid().safeParse(uploadId).success ? await withSql(deps.orm, (sql) => readyFileFrom(sql, uploadId, orgId, UPLOAD_SOURCE)) : undefined;
  if (!row?.storage_path) throw notFound('Upload');
  return { data: await deps.media.read(row.storage_path), mimeType: row.mime_type ?? undefined, fileName: row.file_name ?? undefined };
}

/** What the widget shows before anyone writes: the channel's look, its quick prompts, whether anyone is there. */
export async function widgetConfig(deps: Deps, channel: WidgetChannel): Promise<WidgetConfig> {
  const { prompts, agents } = await withSql(deps.orm, async (sql) => ({
    prompts: await promptKeywords(sql, channel.orgId, channel.id, 6),
    agents: await activeMembers(sql, channel.orgId),
  }));
  const online = await deps.presence.online(channel.orgId, agents.map((a) => a.id));
  const c = channel.credentials;
  return {
    title: c.title ?? channel.name,
    color: c.color,
    welcomeMessage: c.welcomeMessage,
    prompts,
    preChatForm: c.preChatForm,
    requireIdentity: c.requireIdentity,
    agentsOnline: online.size > 0,
  };
}
