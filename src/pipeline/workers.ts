import type { Worker } from 'bullmq';
import type { Deps } from '../context.js';
import { startMaintenanceWorker } from './maintenance.worker.js';
import { startIngestWorker } from './ingest.worker.js';
import { startMediaWorker } from './media.worker.js';
import { enqueueMedia } from '../queue/media.jobs.js';
import type { Changes } from './persist.js';
import { startOutboundWorker } from './outbound.worker.js';
import { startBotWorker, enqueueBot } from './bot.worker.js';
import { PullRunner } from './pull-runner.js';
import { closeWorker } from './failure-policy.js';
import { configureWhatsAppWebSessions } from './whatsapp-web.js';
import { enqueueProfiles, startProfileWorker } from './profile.worker.js';
import { notifyNewConversations } from '../domain/notifications.js';

/** After an ingest batch commits: live updates, media downloads, the bot's turn, new-conversation notifications. */
export function afterIngest(deps: Deps) {
  return async (changes: Changes) => {
    await Promise.all([
      deps.live.publish(changes),
      ...changes.attachments.map((a) => enqueueMedia(deps, a.id, a.inline)),
      changes.botTurns.length ? enqueueBot(deps, changes.botTurns) : undefined,
      enqueueProfiles(deps, changes.newProspects),
      notifyNewConversations(deps, changes.newConversations),
    ]);
  };
}

/** The worker role: every queue's consumer (each under the failure policy). close() lets in-flight jobs finish. */
export async function startWorkers(deps: Deps): Promise<{ close(): Promise<void> }> {
  const ingest = startIngestWorker(deps, { afterCommit: afterIngest(deps) });
  const others: Worker[] = [
    startMediaWorker(deps),
    startOutboundWorker(deps),
    startBotWorker(deps),
    startProfileWorker(deps),
    await startMaintenanceWorker(deps),
  ];
  configureWhatsAppWebSessions(deps.config);
  const pullers = new PullRunner(deps);
  await pullers.start();
  return {
    close: async () => {
      await pullers.stop();
      // The ingest close also drains its batcher and after-commit work.
      await Promise.all([ingest.close(), ...others.map((w) => closeWorker(deps, w))]);
    },
  };
}
