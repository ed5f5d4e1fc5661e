import { UnrecoverableError, type Job } from 'bullmq';
import type { Deps } from '../context.js';
import { connectorContext } from './connector-context.js';
import { categorize } from './errors.js';
import { errorMessage, isInfrastructureError, platformCall } from '../errors.js';
import { hubWorker } from './failure-policy.js';
import { SNIFF_BYTES, decideType } from '../media/types.js';
import { kindOfMime } from '../domain/outbound.js';
import type { MediaJob } from '../queue/media.jobs.js';
import { sqlOf } from '../db/sql.js';
import { forDownload, markAttemptFailed, markDownloaded } from '../db/attachments.js';

/**
 * Fetches an attachment from its platform into the media store, retrying with backoff; one
 * that keeps failing is marked failed (visible, retryable) and its message stays as it is.
 */
export function startMediaWorker(deps: Deps) {
  const { channels, media: store, live } = deps;
  const sql = sqlOf(deps.orm);
  const told = async (messageId: string | undefined) => {
    if (messageId) await live.messagesUpdated([messageId]);
  };
  return hubWorker<MediaJob, void>(
    deps,
    'media',
    async (job: Job<MediaJob>) => {
      const att = await forDownload(sql, job.data.attachmentId);
      if (!att || att.status === 'ready') return;
      const channel = await channels.get(att.channel_id);
      try {
        if (!channel) throw new UnrecoverableError('the channel no longer exists');
        let file: { data: Buffer; mimeType?: string; fileName?: string };
        if (job.data.inline !== undefined) file = { data: Buffer.from(job.data.inline, 'base64') };
        else if (channel.connector.media) file = await platformCall(channel.connector.media.fetch(att.source, channel.credentials, connectorContext(deps, channel.id)));
        else throw new UnrecoverableError(`${channel.kind} cannot download media`);
        const storagePath = await store.put(att.organization_id, att.id, file.data);
        // Stored as what the bytes prove it is, whatever the sender (an email, a platform) claimed.
        const mimeType = decideType(att.mime_type ?? file.mimeType, file.data.subarray(0, SNIFF_BYTES));
        await told(await markDownloaded(sql, att.id, { storagePath, fileSize: file.data.length, mimeType, kind: kindOfMime(mimeType), fileName: file.fileName ?? null }));
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        const permanent = err instanceof UnrecoverableError || (channel && ['permanent', 'auth'].includes(categorize(channel.connector, err)));
        const lastTry = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await told(await markAttemptFailed(sql, att.id, errorMessage(err), !!lastTry));
        throw permanent && !(err instanceof UnrecoverableError) ? new UnrecoverableError(errorMessage(err)) : err;
      }
    },
    { concurrency: 8 },
  );
}
