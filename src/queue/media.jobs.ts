import type { Queues } from './queues.js';

export type MediaJob = { attachmentId: string; inline?: string };

/** Queues fetching an attachment into the media store; `attempt` gives a retried one a new job id. */
export async function enqueueMedia(deps: { queues: Queues }, attachmentId: string, inline?: string, attempt = 0) {
  const data: MediaJob = { attachmentId, inline };
  await deps.queues.media.add('fetch', data, { jobId: attempt ? `media-${attachmentId}-r${attempt}` : `media-${attachmentId}` });
}
