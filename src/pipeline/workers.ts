import type { Worker } from 'bullmq';
import type { Deps } from '../context.js';
import { startMaintenanceWorker } from './maintenance.worker.js';
import { startIngestWorker } from './ingest.worker.js';
import { startMediaWorker, enqueueMedia } from './media.worker.js';
import type { Changes } from './persist.js';

/** After an ingest batch commits: live updates, media downloads. */
export function afterIngest(deps: Deps) {
  return async (changes: Changes) => {
    await Promise.all([
      deps.live.messages(changes.newMessages, 'new_message'),
      deps.live.messages(changes.updatedMessages, 'message_updated'),
      deps.live.conversations(changes.conversations),
      deps.live.prospects(changes.newProspects),
      ...changes.attachments.map((a) => enqueueMedia(deps, a.id, a.inline)),
    ]);
  };
}

/** The worker role: every queue's consumer. close() lets in-flight jobs finish. */
export async function startWorkers(deps: Deps): Promise<{ close(): Promise<void> }> {
  const workers: Worker[] = [
    startIngestWorker(deps, { afterCommit: afterIngest(deps) }),
    startMediaWorker(deps),
    await startMaintenanceWorker(deps),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => deps.log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => deps.log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
