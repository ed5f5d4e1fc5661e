import type { NormalizedEvent } from '../../connectors/types.js';

/** How far ahead of our clock a platform's timestamp may be before it is not believed. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * A platform timestamp far in the future (a sender's broken clock, a unit mix-up) would pin a
 * conversation to the top of every inbox: it becomes the time the hub received the event.
 */
export function clampFutureTimestamps(events: NormalizedEvent[], receivedAt: number): NormalizedEvent[] {
  const limit = receivedAt + MAX_FUTURE_SKEW_MS;
  return events.map((e) => {
    if ('timestamp' in e && e.timestamp > limit) return { ...e, timestamp: receivedAt };
    if (e.type === 'watermark' && e.upTo > limit) return { ...e, upTo: receivedAt };
    return e;
  });
}
