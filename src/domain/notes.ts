import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Deps } from '../context.js';
import { inTransaction } from '../db/sql.js';
import { insertNote, messageByClientId } from '../db/messages.js';
import { sendTarget } from '../db/conversations.js';
import { activeMemberIds } from '../db/users.js';
import { badRequest } from '../errors.js';
import type { Actor } from './conversations.js';
import { excerpt, notify } from './notifications.js';
import type { SendInput } from './outbound.js';
import { owned } from './owned.js';
import { messageView, type ChatMessage } from './read-models.js';

/**
 * A private note in the thread (`send_message` with `private: true`): agents see it, the
 * platform and a visitor never do; no outbound job exists for it. Each agent it mentions
 * (active members of the organization only) gets a `mention` notification, once, however
 * often the same clientMessageId is sent.
 */
export async function sendNote(deps: Deps, actor: Actor, input: z.infer<typeof SendInput>): Promise<ChatMessage> {
  if (!input.private) throw badRequest('Mentions go in a private note: send it with private: true', 'validation_error');
  if (!input.content) throw badRequest('A note needs some text', 'validation_error');
  if (input.attachments?.length || input.attachmentIds?.length) throw badRequest('A note is text only', 'validation_error');
  const mentions = [...new Set(input.mentions ?? [])];
  const clientMessageId = input.clientMessageId ?? randomUUID();
  const result = await inTransaction(deps.orm, async (sql) => {
    const conv = await owned('Conversation', input.conversationId, (id) => sendTarget(sql, id, actor.orgId, clientMessageId));
    if ((await activeMemberIds(sql, actor.orgId, mentions)).length !== mentions.length) {
      throw badRequest('Only active agents of this organization can be mentioned', 'invalid_mention');
    }
    const row = conv.resent_id ? undefined : await insertNote(sql, {
      orgId: actor.orgId, channelId: conv.channel_id, conversationId: conv.id, clientMessageId, senderId: actor.userId,
      content: input.content, platform: conv.platform, timestamp: new Date(),
    });
    return row ? { message: { ...row, attachments: [] }, created: true } : { message: (await messageByClientId(sql, conv.id, clientMessageId))!, created: false };
  });
  const view = messageView(result.message, deps.signer);
  if (result.created) {
    await deps.live.publish({ newMessageRows: [result.message], conversations: [view.conversationId] });
    const text = `${actor.name ?? 'An agent'} mentioned you: ${excerpt(input.content)}`;
    await notify(deps, actor.orgId, mentions.filter((id) => id !== actor.userId).map((userId) => ({
      userId, type: 'mention', conversationId: view.conversationId, messageId: view.id, text,
    })));
  }
  return view;
}
