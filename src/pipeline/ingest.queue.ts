import { createHash } from 'node:crypto';
import type { RawInbound } from '../../connectors/types.js';
import type { Queues } from '../queue/queues.js';

export type InboundJob = { channelId: string; deliveryId: string; raw: RawInbound };

/** BullMQ job ids may not contain ':'; a hash keeps them short and safe. */
export const inboundJobId = (channelId: string, deliveryId: string) =>
  `in-${channelId}-${createHash('sha256').update(deliveryId).digest('base64url').slice(0, 32)}`;

/** Queues one raw inbound payload; the same delivery twice is one job. */
export async function enqueueInbound(queues: Queues, channelId: string, deliveryId: string, raw: RawInbound): Promise<void> {
  const data: InboundJob = { channelId, deliveryId, raw };
  await queues.ingest.add('inbound', data, { jobId: inboundJobId(channelId, deliveryId) });
}
