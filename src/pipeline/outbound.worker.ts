import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { sqlOf, withSql } from '../db/sql.js';
import { markRetrying, markSendFailed, markSent, outgoingMessage, threadRefs } from '../db/messages.js';
import { messageFiles, type MessageFile } from '../db/attachments.js';
import type { Connector, OutboundMessage } from '../../connectors/types.js';
import { ConnectorError } from '../../connectors/types.js';
import { connectorContext } from './connector-context.js';
import { categorize } from './errors.js';
import { errorMessage, platformCall } from '../errors.js';
import { hubWorker } from './failure-policy.js';
import { setChannelState } from '../domain/channel-state.js';
import { FetchTooLargeError, UnsafeUrlError } from '../security/safe-fetch.js';
import type { MessageActionJob } from '../queue/outbound.jobs.js';
import { performAction } from './message-action.js';
import { failOrRetry } from './send-failure.js';

type OutboundJob = { messageId: string } | MessageActionJob;

/**
 * Delivers pending outgoing messages through their channel's connector: `sent` with the
 * platform's id; temporary and rate-limit errors retried with exponential backoff; a permanent
 * error ends `failed` with the platform's reason; an authorization error also flags the channel
 * as needing new credentials and tells the organization's agents.
 */
export function startOutboundWorker(deps: Deps) {
  return hubWorker<OutboundJob, void>(
    deps,
    'outbound',
    async (job: Job<OutboundJob>) => {
      if ('action' in job.data) return performAction(deps, job as Job<MessageActionJob>);
      const loaded = await withSql(deps.orm, async (sql) => {
        const m = await outgoingMessage(sql, job.data.messageId);
        if (!m) return null;
        // Email threading: reply to the latest message we received, referencing the whole thread.
        const refs = m.identifier_type === 'email' ? await threadRefs(sql, m.conversation_id, m.id) : [];
        return { m, refs, files: await messageFiles(sql, m.id) };
      });
      // Already delivered (a retry after a crash past the send) or gone: nothing to do.
      if (!loaded || loaded.m.status !== 'pending' || loaded.m.external_id) return;
      const { m, refs, files } = loaded;
      const channel = await deps.channels.get(m.channel_id);
      if (!channel) throw new UnrecoverableError('the channel no longer exists');
      const send = channel.connector.send;
      const outbound: OutboundMessage = {
        messageId: m.id,
        to: { externalId: m.contact_id, identifier: m.identifier, identifierType: m.identifier_type, name: m.name ?? undefined },
        content: m.content,
        messageType: m.message_type,
        // Our uploads by a signed public URL the platform can fetch; links as they are.
        attachments: files.length
          ? files.map((f) => ({ url: f.storage_path ? deps.publicUrl + deps.signer.url(f.id) : f.source, mimeType: f.mime_type ?? undefined, fileName: f.file_name ?? undefined }))
          : undefined,
        replyTo: m.reply_to_external_id ? { externalId: m.reply_to_external_id } : undefined,
        template: m.template ?? undefined,
        thread: refs.length || m.subject
          ? {
              subject: m.subject ?? undefined,
              // The customer's latest mail, not an auto-reply kept in the thread (a 'system' message).
              inReplyTo: (refs.filter((r) => r.direction === 'in' && r.message_type !== 'system').at(-1)
                ?? refs.filter((r) => r.direction === 'in').at(-1) ?? refs.at(-1))?.external_id,
              references: refs.map((r) => r.external_id),
            }
          : undefined,
      };
      let externalId: string;
      try {
        if (!send) throw new ConnectorError('permanent', `${channel.kind} cannot send messages`);
        if (send.needsFileContent && outbound.attachments) {
          // The files' own download is part of the send: its failures count as the platform's.
          outbound.attachments = await Promise.all(outbound.attachments.map(async (a, i) => ({ ...a, content: await platformCall(fileContent(deps, files[i])) })));
        }
        ({ externalId } = await platformCall(send.send(outbound, channel.credentials, connectorContext(deps, channel.id))));
      } catch (err) {
        return failOrRetry(deps, job, channel, err, (reason) => markFailed(deps, m.id, reason), async (reason, retry) => {
          await markRetrying(sqlOf(deps.orm), m.id, reason, retry);
          await deps.live.messagesUpdated([m.id]);
        });
      }
      await markSent(sqlOf(deps.orm), m.id, externalId, m.channel_id);
      deps.metrics.outbound.inc({ kind: channel.kind, outcome: 'sent' });
      await deps.live.messagesUpdated([m.id]);
    },
    { concurrency: 32 },
  );
}

/** A file's bytes: ours from the media store, a link through the guarded fetcher (never a private address). */
async function fileContent(deps: Deps, f: MessageFile): Promise<Buffer> {
  if (f.storage_path) return deps.media.read(f.storage_path);
  try {
    return (await deps.fetcher.download(f.source)).data;
  } catch (err) {
    if (err instanceof UnsafeUrlError || err instanceof FetchTooLargeError) throw new ConnectorError('permanent', `${f.file_name ?? 'The file'}: ${err.message}`, err.code);
    throw new ConnectorError('temporary', `${f.file_name ?? 'The file'} could not be downloaded: ${errorMessage(err)}`);
  }
}

async function markFailed(deps: Deps, messageId: string, reason: string) {
  await markSendFailed(sqlOf(deps.orm), messageId, reason);
  await deps.live.messagesUpdated([messageId]);
}
