import type { Worker } from 'bullmq';
import { errorMessage } from '../errors.js';
import { hubWorker } from './failure-policy.js';
import type { Deps } from '../context.js';
import { enqueueMedia } from '../queue/media.jobs.js';
import { applyPendingStatuses } from './persist.js';
import { withSql } from '../db/sql.js';

type Task = (deps: Deps) => Promise<unknown>;

/** Housekeeping that makes the pipeline converge even when a process died at a bad moment. */
const TASKS: Record<string, { every: number; run: Task }> = {
  'purge-webhook-events': {
    every: 10 * 60_000,
    run: (deps) => deps.orm.em.getConnection().execute('delete from webhook_events where expires_at < now()', [], 'run'),
  },
  // A status and its message committed at the same moment in two processes: apply it now.
  'apply-pending-statuses': {
    every: 60_000,
    run: (deps) => withSql(deps.orm, (sql) => applyPendingStatuses(sql)),
  },
  // Uploads an agent removed (or never sent) within a day: row and file go.
  'purge-orphan-uploads': {
    every: 60 * 60_000,
    run: async (deps) => {
      const rows = await deps.orm.em.getConnection().execute(
        "delete from attachments where message_id is null and created_at < now() - interval '1 day' returning storage_path",
      );
      for (const r of rows) if (r.storage_path) await deps.media.remove(r.storage_path);
    },
  },
  // Media whose job was never queued (the process stopped right after commit): queue it.
  'requeue-stuck-media': {
    every: 5 * 60_000,
    run: async (deps) => {
      const rows = await deps.orm.em.getConnection().execute(
        "select id from attachments where status = 'pending' and source not like 'inline:%' and updated_at < now() - interval '5 minutes' limit 500",
      );
      for (const r of rows) await enqueueMedia(deps, r.id);
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
