import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectorFor } from '../../connectors/registry.js';
import type { MessageType, SendCapability } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { inTransaction, withSql, type Sql } from '../db/sql.js';
import { attachUploads, insertAttachments, lockUnsentUploads } from '../db/attachments.js';
import { AppError, badRequest, unsupported } from '../errors.js';
import { lastMessageSummary } from './message-summary.js';
import { messageView, type ChatMessage } from './read-models.js';
import { insertOutgoing, messageByClientId, messageInConversation, messagesByIds, ownedMessageState, setPendingAgain } from '../db/messages.js';
import { sendTarget } from '../db/conversations.js';
import type { Actor } from './conversations.js';
import { owned } from './owned.js';
import { sendNote } from './notes.js';

/** Text, files, or both (sendMessage refuses a message with neither). */
export const SendInput = z
  .object({
    conversationId: z.string().max(64),
    content: z.string().trim().max(4096).default(''),
    clientMessageId: z.string().trim().min(1).max(100).optional(),
    /** Files by link: the platform fetches them. */
    attachments: z
      .array(z.object({ url: z.url({ protocol: /^https?$/ }), fileName: z.string().max(255).optional(), mimeType: z.string().max(127).optional() }))
      .max(10)
      .optional(),
    /** Files uploaded first with POST /api/uploads. */
    attachmentIds: z.array(z.uuid()).max(10).optional(),
    /** An internal note (src/domain/notes.ts): never sent to the platform. */
    private: z.boolean().optional(),
    /** Agents a private note mentions (user ids). */
    mentions: z.array(z.uuid()).max(50).optional(),
    /** Quote a message of the same conversation. */
    replyToId: z.uuid().optional(),
    /** An approved WhatsApp template with its body parameters: allowed when the 24 h window is closed. */
    template: z.object({ name: z.string().trim().min(1).max(512), language: z.string().trim().min(2).max(15), params: z.array(z.string().max(1024)).max(20).default([]) }).optional(),
  });

/** image/png -> image, audio/ogg -> audio, ...; anything else is a file. */
export const kindOfMime = (mime?: string | null) => (/^(image|audio|video)\//.exec(mime ?? '')?.[1] ?? 'file') as 'image' | 'audio' | 'video' | 'file';

export async function enqueueOutbound(deps: Pick<Deps, 'queues'>, messageId: string, attempt = 0) {
  await deps.queues.outbound.add('send', { messageId }, { jobId: attempt ? `out-${messageId}-r${attempt}` : `out-${messageId}` });
}

/**
 * An agent's (or the bot's) reply: saved `pending` and queued for the channel's connector.
 * The same clientMessageId again returns the same message and sends nothing. Free text
 * outside the platform's window is refused before anything is saved or queued. An agent's
 * reply hands the conversation over from the bot.
 */
export async function sendMessage(deps: Deps, actor: Actor, input: z.infer<typeof SendInput>, senderType: 'agent' | 'bot' = 'agent'): Promise<ChatMessage> {
  if (input.private || input.mentions?.length) return sendNote(deps, actor, input);
  if (!input.content && !input.attachments?.length && !input.attachmentIds?.length && !input.template) throw badRequest('A message needs some text or a file', 'validation_error');
  const clientMessageId = input.clientMessageId ?? randomUUID();
  const result = await inTransaction(deps.orm, async (sql) => {
    const conv = await owned('Conversation', input.conversationId, (id) => sendTarget(sql, id, actor.orgId, clientMessageId));
    const existing = async () => (await messageByClientId(sql, conv.id, clientMessageId))!;
    if (conv.resent_id) return { message: await existing(), created: false };

    const send = connectorFor(conv.kind).send;
    if (!send) throw new AppError(422, 'channel_cannot_send', `Sending on ${conv.kind} channels is not supported yet`);
    if (conv.channel_status === 'disabled') throw new AppError(422, 'channel_disabled', 'This channel is disabled');
    const extras = await quoteAndTemplate(sql, send, conv.id, input);
    if (send.windowHours && !input.template) {
      const last = conv.last_inbound_at ? new Date(conv.last_inbound_at).getTime() : 0;
      if (Date.now() - last > send.windowHours * 3600_000) {
        throw new AppError(422, 'window_closed', `The ${send.windowHours}-hour window is closed: the customer has not written in the last ${send.windowHours} hours, so free text cannot be sent until they write again`);
      }
    }
    const files = await checkFiles(sql, actor.orgId, input);
    const messageType = (files[0]?.kind ?? 'text') as MessageType;
    const now = new Date();
    const summary = { ...lastMessageSummary(undefined, { content: extras.content ?? input.content, messageType, direction: 'out', timestamp: now.getTime() }), senderType };
    const row = await insertOutgoing(sql, {
      orgId: actor.orgId, channelId: conv.channel_id, conversationId: conv.id, clientMessageId, senderType,
      senderId: senderType === 'bot' ? 'bot' : actor.userId, content: extras.content ?? input.content, messageType, platform: conv.platform, timestamp: now, summary,
      metadata: extras.metadata,
    });
    if (!row) return { message: await existing(), created: false };
    if (!files.length) return { message: { ...row, attachments: [] }, created: true };
    await attachFiles(sql, actor.orgId, row.id, files);
    return { message: await existing(), created: true };
  });
  const view = messageView(result.message, deps.signer);
  if (result.created) {
    await enqueueOutbound(deps, view.id);
    await deps.live.publish({ newMessageRows: [result.message], conversations: [view.conversationId] });
  }
  return view;
}

/** A quote must be of the same conversation; a template goes only where the platform has them, without files. */
async function quoteAndTemplate(sql: Sql, send: SendCapability<unknown>, conversationId: string, input: z.infer<typeof SendInput>) {
  const metadata: Record<string, unknown> = {};
  let content: string | undefined;
  if (input.replyToId) {
    if (!send.quotes) throw unsupported('Quoted replies are not supported on this channel');
    if (!(await messageInConversation(sql, input.replyToId, conversationId))) throw badRequest('The quoted message is not in this conversation', 'unknown_message');
    metadata.replyToId = input.replyToId;
  }
  if (input.template) {
    if (!send.templates) throw unsupported('Templates can only be sent on WhatsApp Cloud channels');
    if (input.attachments?.length || input.attachmentIds?.length) throw badRequest('A template message cannot carry files', 'validation_error');
    metadata.template = input.template;
    // What the thread shows: the template's name and its parameters (the platform renders the text).
    content = input.content || `[template ${input.template.name}] ${input.template.params.join(' · ')}`.trim();
  }
  return { metadata: Object.keys(metadata).length ? metadata : undefined, content };
}

type File = { kind: string; uploadId?: string; link?: { url: string; fileName?: string; mimeType?: string } };

/** The message's files, in order: uploads of this organization not sent yet, then links. */
async function checkFiles(sql: Sql, orgId: string, input: z.infer<typeof SendInput>): Promise<File[]> {
  const ids = [...new Set(input.attachmentIds ?? [])];
  const uploads = await lockUnsentUploads(sql, ids, orgId);
  if (uploads.length !== ids.length) throw badRequest('Unknown or already sent upload', 'unknown_upload');
  const byId = new Map(uploads.map((u) => [u.id, u.kind]));
  return [
    ...ids.map((id) => ({ kind: byId.get(id)!, uploadId: id })),
    ...(input.attachments ?? []).map((link) => ({ kind: kindOfMime(link.mimeType), link })),
  ];
}

async function attachFiles(sql: Sql, orgId: string, messageId: string, files: File[]): Promise<void> {
  await attachUploads(sql, messageId, files.flatMap((f) => (f.uploadId ? [f.uploadId] : [])));
  await insertAttachments(sql, files.flatMap(({ kind, link }) => (link ? [{
    id: randomUUID(), orgId, messageId, kind, fileName: link.fileName ?? null, fileSize: null, mimeType: link.mimeType ?? null,
    source: link.url, storagePath: null, status: 'ready' as const,
  }] : [])));
}

/** Sends a failed message again. */
export async function retryMessage(deps: Deps, actor: Actor, id: string): Promise<ChatMessage> {
  await withSql(deps.orm, async (sql) => {
    const m = await owned('Message', id, (id) => ownedMessageState(sql, id, actor.orgId));
    if (m.direction !== 'out' || m.status !== 'failed') throw new AppError(409, 'not_failed', 'Only a failed outgoing message can be retried');
    await setPendingAgain(sql, id);
  });
  // A new job id: the failed job of the first try is kept for inspection.
  await enqueueOutbound(deps, id, Date.now());
  await deps.live.messagesUpdated([id]);
  const [view] = await withSql(deps.orm, (sql) => messagesByIds(sql, [id]));
  return messageView(view!, deps.signer);
}
