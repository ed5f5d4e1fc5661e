import { Worker } from 'bullmq';
import type { Deps } from '../context.js';

/** Deletes kept webhook payloads past their retention, on a repeatable job. */
export async function startMaintenanceWorker(deps: Deps): Promise<Worker> {
  await deps.queues.maintenance.upsertJobScheduler('purge-webhook-events', { every: 10 * 60_000 }, { name: 'purge-webhook-events' });
  return new Worker(
    'maintenance',
    async (job) => {
      if (job.name !== 'purge-webhook-events') return;
      const purged = await deps.orm.em.getConnection().execute('delete from webhook_events where expires_at < now()', [], 'run');
      return { purged: (purged as { affectedRows?: number }).affectedRows ?? 0 };
    },
    { connection: deps.queues.connection(), prefix: deps.queues.prefix, concurrency: 1 },
  );
}
