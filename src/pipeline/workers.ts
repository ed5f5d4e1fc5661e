import type { Worker } from 'bullmq';
import type { Deps } from '../context.js';
import { startMaintenanceWorker } from './maintenance.worker.js';

/** The worker role: every queue's consumer. close() lets in-flight jobs finish. */
export async function startWorkers(deps: Deps): Promise<{ close(): Promise<void> }> {
  const workers: Worker[] = [await startMaintenanceWorker(deps)];
  for (const w of workers) w.on('failed', (job, err) => deps.log.warn({ queue: w.name, jobId: job?.id, err: err.message }, 'job failed'));
  return {
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
