import { z } from 'zod';
import { connectorFor } from '../../connectors/registry.js';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { actionTarget, mergeMessageMetadata, messagesByIds } from '../db/messages.js';
import { AppError, unsupported } from '../errors.js';
import { enqueueMessageAction, type MessageAction } from '../queue/outbound.jobs.js';
import type { Actor } from './conversations.js';
import { owned } from './owned.js';
import { messageView, type ChatMessage } from './read-models.js';

const Id = z.string().max(64);
export const ReactInput = z.object({ messageId: Id, emoji: z.string().trim().max(32) });
export const EditInput = z.object({ messageId: Id, content: z.string().trim().min(1).max(4096) });
export const DeleteInput = z.object({ messageId: Id });

const WHAT: Record<MessageAction['kind'], { capability: 'react' | 'edit' | 'delete'; name: string }> = {
  react: { capability: 'react', name: 'Reactions' },
  edit: { capability: 'edit', name: 'Editing sent messages' },
  delete: { capability: 'delete', name: 'Deleting sent messages' },
};

/**
 * A reaction to a message, or an edit or delete of one the hub sent: checked here (the
 * organization, the platform's capability, a message the platform knows), marked pending on the
 * message, and performed by the outbound worker (retries, failure shown on the message).
 */
export async function requestAction(deps: Deps, actor: Actor, messageId: string, action: MessageAction): Promise<ChatMessage> {
  const target = await withSql(deps.orm, (sql) => owned('Message', messageId, (id) => actionTarget(sql, id, actor.orgId)));
  const { capability, name } = WHAT[action.kind];
  const kind = target.kind as Parameters<typeof connectorFor>[0];
  if (!connectorFor(kind).send?.[capability]) throw unsupported(`${name} is not supported on ${kind.replace('_', ' ')} channels`);
  if (target.deleted) throw new AppError(409, 'message_deleted', 'This message was deleted');
  if (action.kind !== 'react' && target.direction !== 'out') throw new AppError(409, 'not_own_message', 'Only messages sent from the hub can be edited or deleted');
  if (!target.external_id) throw new AppError(409, 'not_sent', 'The platform has not accepted this message yet');
  await withSql(deps.orm, (sql) => mergeMessageMetadata(sql, target.id, { action: { kind: action.kind, state: 'pending' } }));
  await enqueueMessageAction(deps, { messageId: target.id, action, by: actor.userId });
  await deps.live.messagesUpdated([target.id]);
  const [row] = await withSql(deps.orm, (sql) => messagesByIds(sql, [target.id]));
  return messageView(row!, deps.signer);
}
