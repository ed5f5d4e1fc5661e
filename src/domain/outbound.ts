import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { connectorFor } from '../../connectors/registry.js';
import type { Deps } from '../context.js';
import { inTransaction, withSql, type Sql } from '../db/sql.js';
import { AppError, badRequest, notFound } from '../http/errors.js';
import { lastMessageSummary } from '../pipeline/persist.js';
import { MESSAGE_COLUMNS, MESSAGE_ROW, messageView, type ChatMessage } from './read-models.js';
import type { Actor } from './conversations.js';

/** Text, files, or both (sendMessage refuses a message with neither). */
export const SendInput = z
  .object({
    conversationId: z.string(),
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
    if (!z.uuid().safeParse(input.conversationId).success) throw notFound('Conversation');
    const [conv] = await sql.query(
      `select c.id, c.channel_id, c.platform, c.last_inbound_at, ch.kind, ch.status as channel_status
       from conversations c join channels ch on ch.id = c.channel_id
       where c.id = $1 and c.organization_id = $2`,
      [input.conversationId, actor.orgId],
    );
    if (!conv) throw notFound('Conversation');
    const existing = () => sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.conversation_id = $1 and m.client_message_id = $2`, [conv.id, clientMessageId]);
    const [resent] = await existing();
    if (resent) return { message: resent, created: false };

    const send = connectorFor(conv.kind).send;
    if (!send) throw new AppError(422, 'channel_cannot_send', `Sending on ${conv.kind} channels is not supported yet`);
    if (conv.channel_status === 'disabled') throw new AppError(422, 'channel_disabled', 'This channel is disabled');
    if (send.windowHours) {
      const last = conv.last_inbound_at ? new Date(conv.last_inbound_at).getTime() : 0;
      if (Date.now() - last > send.windowHours * 3600_000) {
        throw new AppError(422, 'window_closed', `The ${send.windowHours}-hour window is closed: the customer has not written in the last ${send.windowHours} hours, so free text cannot be sent until they write again`);
      }
    }
    const now = new Date();
    // The unique (conversation, clientMessageId) settles a race between two identical resends.
    const [row] = await sql.query(
      `insert into messages (id, created_at, updated_at, organization_id, channel_id, conversation_id, client_message_id, direction, sender_type, sender_id, content, message_type, platform, timestamp, status)
       values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, 'out', $5, $6, $7, 'text', $8, $9, 'pending')
       on conflict (conversation_id, client_message_id) do nothing
       returning ${MESSAGE_ROW}`,
      [actor.orgId, conv.channel_id, conv.id, clientMessageId, senderType, senderType === 'bot' ? 'bot' : actor.userId, input.content, conv.platform, now],
    );
    if (!row) return { message: (await existing())[0], created: false };
    const files = await attachFiles(sql, actor.orgId, row.id, input);
    if (files.length) {
      await sql.query('update messages set message_type = $2 where id = $1', [row.id, files[0]]);
      row.message_type = files[0];
    }
    await sql.query(
      `update conversations set last_activity = greatest(last_activity, $2), last_message = $3, updated_at = now()
         ${senderType === 'agent' ? ', bot_enabled = false, needs_human = false' : ''}
       where id = $1`,
      [conv.id, now, JSON.stringify({ ...lastMessageSummary(row.id, { content: input.content, messageType: 'text', direction: 'out', timestamp: now.getTime() }), senderType })],
    );
    const message = files.length ? (await sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.id = $1`, [row.id]))[0] : { ...row, attachments: [] };
    return { message, created: true };
  });
  const view = messageView(result.message, deps.signer);
  if (result.created) {
    await enqueueOutbound(deps, view.id);
    await deps.live.publish({ newMessageRows: [result.message], conversations: [view.conversationId] });
  }
  return view;
}

/** Links uploads and records links as the message's attachments; returns their kinds, in order. */
async function attachFiles(sql: Sql, orgId: string, messageId: string, input: z.infer<typeof SendInput>): Promise<string[]> {
  const kinds: string[] = [];
  if (input.attachmentIds?.length) {
    const rows = await sql.query(
      `update attachments set message_id = $1, updated_at = now()
       where id = any($2::uuid[]) and organization_id = $3 and message_id is null and status = 'ready' returning kind`,
      [messageId, input.attachmentIds, orgId],
    );
    if (rows.length !== new Set(input.attachmentIds).size) throw badRequest('Unknown or already sent upload', 'unknown_upload');
    kinds.push(...rows.map((r) => r.kind as string));
  }
  for (const a of input.attachments ?? []) {
    const kind = kindOfMime(a.mimeType);
    await sql.query(
      `insert into attachments (id, created_at, updated_at, organization_id, message_id, kind, file_name, mime_type, source, status)
       values (gen_random_uuid(), now(), now(), $1, $2, $3, $4, $5, $6, 'ready')`,
      [orgId, messageId, kind, a.fileName ?? null, a.mimeType ?? null, a.url],
    );
    kinds.push(kind);
  }
  return kinds;
}

/** Sends a failed message again. */
export async function retryMessage(deps: Deps, actor: Actor, id: string): Promise<ChatMessage> {
  if (!z.uuid().safeParse(id).success) throw notFound('Message');
  await withSql(deps.orm, async (sql) => {
    const [m] = await sql.query('select status, direction from messages where id = $1 and organization_id = $2', [id, actor.orgId]);
    if (!m) throw notFound('Message');
    if (m.direction !== 'out' || m.status !== 'failed') throw new AppError(409, 'not_failed', 'Only a failed outgoing message can be retried');
    await sql.query("update messages set status = 'pending', error = null, updated_at = now() where id = $1", [id]);
  });
  // A new job id: the failed job of the first try is kept for inspection.
  await enqueueOutbound(deps, id, Date.now());
  await deps.live.messagesUpdated([id]);
  const [view] = await withSql(deps.orm, (sql) => sql.query(`select ${MESSAGE_COLUMNS} from messages m where m.id = $1`, [id]));
  return messageView(view, deps.signer);
}
