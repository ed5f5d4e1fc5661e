import { UnrecoverableError, type Job } from 'bullmq';
import type { ConnectorContext, SendCapability, SentRef } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { actionTarget, mergeMessageMetadata, setEditedContent, setOwnReaction } from '../db/messages.js';
import { platformCall } from '../errors.js';
import type { MessageActionJob } from '../queue/outbound.jobs.js';
import { connectorContext } from './connector-context.js';
import { failOrRetry } from './send-failure.js';

/** The key of the business's own reaction in ChatMessage.reactions (a platform keeps one per account). */
export const OWN_REACTION = 'business';

type Action = MessageActionJob['action'];
type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;
type Sql = Parameters<typeof setOwnReaction>[0];
type Step<A> = {
  /** The platform call; undefined when the connector lacks it. */
  perform(a: A, send: SendCapability<unknown>, ref: SentRef, creds: unknown, ctx: ConnectorContext): Promise<void> | undefined;
  /** What changes on the message once the platform did it. */
  apply(a: A, sql: Sql, id: string): Promise<void>;
};

const ACTIONS: { [K in Action['kind']]: Step<Of<K>> } = {
  react: {
    perform: (a, send, ref, creds, ctx) => send.react?.(ref, a.emoji, creds, ctx),
    apply: (a, sql, id) => setOwnReaction(sql, id, OWN_REACTION, a.emoji),
  },
  edit: {
    perform: (a, send, ref, creds, ctx) => send.edit?.(ref, a.content, creds, ctx),
    apply: (a, sql, id) => setEditedContent(sql, id, a.content),
  },
  delete: {
    perform: (_a, send, ref, creds, ctx) => send.delete?.(ref, creds, ctx),
    apply: (_a, sql, id) => mergeMessageMetadata(sql, id, { deletedAt: new Date().toISOString() }),
  },
};

/** A queued reaction, edit or delete: performed on the platform, then applied to the message (or its failure shown). */
export async function performAction(deps: Deps, job: Job<MessageActionJob>): Promise<void> {
  const { messageId, action } = job.data;
  const target = await withSql(deps.orm, (sql) => actionTarget(sql, messageId));
  if (!target?.external_id) return;
  const channel = await deps.channels.get(target.channel_id);
  if (!channel) throw new UnrecoverableError('the channel no longer exists');
  const step = ACTIONS[action.kind] as Step<Action>;
  const ref: SentRef = {
    externalId: target.external_id,
    to: { externalId: target.contact_id, identifier: target.identifier, identifierType: target.identifier_type, name: target.name ?? undefined },
  };
  try {
    const call = channel.connector.send && step.perform(action, channel.connector.send, ref, channel.credentials, connectorContext(deps, channel.id));
    if (!call) throw new UnrecoverableError(`${channel.kind} cannot ${action.kind} messages`);
    await platformCall(call);
  } catch (err) {
    return failOrRetry(deps, job, channel, err, async (reason) => {
      await withSql(deps.orm, (sql) => mergeMessageMetadata(sql, messageId, { action: { kind: action.kind, state: 'failed', error: reason } }));
      await deps.live.messagesUpdated([messageId]);
    });
  }
  await withSql(deps.orm, async (sql) => {
    await step.apply(action, sql, messageId);
    await mergeMessageMetadata(sql, messageId, {}, ['action']);
  });
  await deps.live.messagesUpdated([messageId]);
}
