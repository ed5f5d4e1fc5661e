import type { Queues } from './queues.js';

/** A reaction, edit or delete of a message, performed on its platform by the outbound worker. */
export type MessageAction =
  | { kind: 'react'; emoji: string }
  | { kind: 'edit'; content: string }
  | { kind: 'delete' };
export type MessageActionJob = { messageId: string; action: MessageAction; by: string };

/** Queues an action on the outbound queue (same retries and failure policy as sends); each request is its own job. */
export async function enqueueMessageAction(deps: { queues: Queues }, job: MessageActionJob) {
  await deps.queues.outbound.add('action', job, { jobId: `act-${job.messageId}-${job.action.kind}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
}
