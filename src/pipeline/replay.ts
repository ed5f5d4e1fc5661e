import type { Deps } from '../context.js';
import { enqueueInbound } from './ingest.queue.js';
import { sqlOf } from '../db/sql.js';
import { markReplayed, type KeptRow } from '../db/webhook-events.js';

export type { KeptRow };

/** What a kept webhook payload may have come to; 'failed' ones are shown to admins for replay. */
export const WEBHOOK_OUTCOMES = ['received', 'stored', 'updated', 'duplicate', 'unsupported', 'ignored', 'failed', 'replayed'] as const;

/**
 * Queues kept payloads through ingest again and marks them 'replayed'. Safe to repeat: what was
 * stored already is a no-op, as with any redelivery; a replay that fails again is a new 'failed' row.
 */
export async function replayKept(deps: Deps, rows: KeptRow[]): Promise<number> {
  const at = Date.now();
  await Promise.all(rows.map((r) => enqueueInbound(deps.queues, r.channel_id, `replay:${r.id}:${at}`, {
    body: r.payload,
    contentType: r.content_type ?? undefined,
    receivedAt: at,
  })));
  await markReplayed(sqlOf(deps.orm), rows.map((r) => r.id));
  return rows.length;
}
