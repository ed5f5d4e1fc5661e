import type { Worker } from 'bullmq';
import { errorMessage } from '../errors.js';
import { hubWorker } from './failure-policy.js';
import type { Deps } from '../context.js';
import { enqueueMedia } from '../queue/media.jobs.js';
import { sqlOf } from '../db/sql.js';
import { applyPendingStatuses } from '../db/messages.js';
import { deleteOrphanUploads, stuckDownloads } from '../db/attachments.js';
import { deleteExpiredWebhookEvents } from '../db/webhook-events.js';

type Task = (deps: Deps) => Promise<unknown>;

/** Housekeeping that makes the pipeline converge even when a process died at a bad moment. */
const TASKS: Record<string, { every: number; run: Task }> = {
  'purge-webhook-events': {
    every: 10 * 60_000,
    run: (deps) => deleteExpiredWebhookEvents(sqlOf(deps.orm)),
  },
  // A status and its message committed at the same moment in two processes: apply it now.
  'apply-pending-statuses': {
    every: 60_000,
    run: (deps) => applyPendingStatuses(sqlOf(deps.orm)),
  },
  // Uploads an agent removed (or never sent) within a day: row and file go.
  'purge-orphan-uploads': {
    every: 60 * 60_000,
    run: async (deps) => {
      for (const path of await deleteOrphanUploads(sqlOf(deps.orm))) await deps.media.remove(path);
    },
  },
  // Media whose job was never queued (the process stopped right after commit): queue it.
  'requeue-stuck-media': {
    every: 5 * 60_000,
    run: async (deps) => {
      for (const id of await stuckDownloads(sqlOf(deps.orm))) await enqueueMedia(deps, id);
    },
  },
};

/**
 * Registers the repeatable tasks, again whenever the queue's Redis connection comes back (a
 * Redis restarted without persistence has forgotten them), and runs them.
 */
export async function startMaintenanceWorker(deps: Deps): Promise<Worker> {
  const queue = deps.queues.maintenance;
  const register = () => Promise.all(Object.entries(TASKS).map(([name, task]) => queue.upsertJobScheduler(name, { every: task.every }, { name })));
  await register();
  const client = await queue.client;
  const onReady = () => void register().catch((err) => deps.log.warn({ err: errorMessage(err) }, 'maintenance tasks not registered again'));
  client.on('ready', onReady);
  const worker = hubWorker(deps, 'maintenance', (job) => TASKS[job.name]?.run(deps) ?? Promise.resolve(), { concurrency: 1 });
  worker.once('closed', () => client.off('ready', onReady));
  return worker;
}
