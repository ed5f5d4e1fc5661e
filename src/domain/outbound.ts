import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectorFor } from '../../connectors/registry.js';
import type { MessageType } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { inTransaction, withSql, type Sql } from '../db/sql.js';
import { AppError, badRequest } from '../errors.js';
import { lastMessageSummary } from './message-summary.js';
import { MESSAGE_COLUMNS, MESSAGE_ROW, messageView, type ChatMessage } from './read-models.js';
import type { Actor } from './conversations.js';
import { owned } from './owned.js';

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
  if (!input.content && !input.attachments?.length && !input.attachmentIds?.length) throw badRequest('A message needs some text or a file', 'validation_error');
  const clientMessageId = input.clientMessageId ?? randomUUID();
  const result = await inTransaction(deps.orm, async (sql) => {
    const conv = await owned('Conversation', input.conversationId, async () => (await sql.query(
      `select c.id, c.channel_id, c.platform, c.last_inbound_at, ch.kind, ch.status as channel_status, e.id as resent_id
       from conversations c join channels ch on ch.id = c.channel_id
       left join messages e on e.conversation_id = c.id and e.client_message_id = $3
       where c.id = $1 and c.organization_id = $2`,
      [input.conversationId, actor.orgId, clientMessageId],
    ))[0]);
    const existing = async () => (await sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 and m.client_message_id = $2`, [conv.id, clientMessageId]))[0];
    if (conv.resent_id) return { message: await existing(), created: false };

    const send = connectorFor(conv.kind).send;
    if (!send) throw new AppError(422, 'channel_cannot_send', `Sending on ${conv.kind} channels is not supported yet`);
    if (conv.channel_status === 'disabled') throw new AppError(422, 'channel_disabled', 'This channel is disabled');
    if (send.windowHours) {
      const last = conv.last_inbound_at ? new Date(conv.last_inbound_at).getTime() : 0;
      if (Date.now() - last > send.windowHours * 3600_000) {
        throw new AppError(422, 'window_closed', `The ${send.windowHours}-hour window is closed: the customer has not written in the last ${send.windowHours} hours, so free text cannot be sent until they write again`);
      }
    }
    const files = await checkFiles(sql, actor.orgId, input);
    const messageType = (files[0]?.kind ?? 'text') as MessageType;
    const now = new Date();
    const summary = { ...lastMessageSummary(undefined, { content: input.content, messageType, direction: 'out', timestamp: now.getTime() }), senderType };
    // One statement: the message (the unique (conversation, clientMessageId) settles racing
    // resends) and its conversation moved on; an agent's reply hands over from the bot.
    const [row] = await sql.query(
      `with ins as (
         insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, client_message_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
         values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, 'out', $5, $6, $7, $8, $9, $10, 'pending')
         on conflict (conversation_id, client_message_id) do nothing
         returning ${MESSAGE_ROW}),
       moved as (
         update conversations c set last_activity = greatest(c.last_activity, $10), last_message = $11::jsonb || jsonb_build_object('id', ins.id), updated_at = now()
           ${senderType === 'agent' ? ', bot_enabled = false, needs_human = false' : ''}
         from ins where c.id = ins.conversation_id)
       select * from ins`,
      [actor.orgId, conv.channel_id, conv.id, clientMessageId, senderType, senderType === 'bot' ? 'bot' : actor.userId, input.content, messageType, conv.platform, now, JSON.stringify(summary)],
    );
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

type File = { kind: string; uploadId?: string; link?: { url: string; fileName?: string; mimeType?: string } };

/** The message's files, in order: uploads of this organization not sent yet, then links. */
async function checkFiles(sql: Sql, orgId: string, input: z.infer<typeof SendInput>): Promise<File[]> {
  const ids = [...new Set(input.attachmentIds ?? [])];
  const uploads = ids.length
    ? await sql.query(`select id, kind from attachments where id = any($1::uuid[]) and organization_id = $2 and message_id is null and status = 'ready' for update`, [ids, orgId])
    : [];
  if (uploads.length !== ids.length) throw badRequest('Unknown or already sent upload', 'unknown_upload');
  const byId = new Map(uploads.map((u) => [u.id as string, u.kind as string]));
  return [
    ...ids.map((id) => ({ kind: byId.get(id)!, uploadId: id })),
    ...(input.attachments ?? []).map((link) => ({ kind: kindOfMime(link.mimeType), link })),
  ];
}

async function attachFiles(sql: Sql, orgId: string, messageId: string, files: File[]): Promise<void> {
  const uploads = files.filter((f) => f.uploadId).map((f) => f.uploadId!);
  if (uploads.length) await sql.query('update attachments set message_id = $1, updated_at = now() where id = any($2::uuid[])', [messageId, uploads]);
  for (const { kind, link } of files) {
    if (!link) continue;
    await sql.query(
      `insert into attachments (id, created_at, updated_at, organization_id, message_id, kind, file_name, mime_type, source, status)
       values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6, 'ready')`,
      [orgId, messageId, kind, link.fileName ?? null, link.mimeType ?? null, link.url],
    );
  }
}

/** Sends a failed message again. */
export async function retryMessage(deps: Deps, actor: Actor, id: string): Promise<ChatMessage> {
  await withSql(deps.orm, async (sql) => {
    const m = await owned('Message', id, async (id) => (await sql.query('select status, direction from messages where id = $1 and organization_id = $2', [id, actor.orgId]))[0]);
    if (m.direction !== 'out' || m.status !== 'failed') throw new AppError(409, 'not_failed', 'Only a failed outgoing message can be retried');
    await sql.query("update messages set status = 'pending', error = null, updated_at = now() where id = $1", [id]);
  });
  // A new job id: the failed job of the first try is kept for inspection.
  await enqueueOutbound(deps, id, Date.now());
  await deps.live.messagesUpdated([id]);
  const [view] = await withSql(deps.orm, (sql) => sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.id = $1`, [id]));
  return messageView(view, deps.signer);
}
