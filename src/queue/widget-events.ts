import type { RedisClient } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * What reaches website visitors' widgets, published on Redis so any process (the outbound worker,
 * an agent's socket) can send it; every API process pushes it to the visitor sockets it holds
 * (src/realtime/widget-socket.ts).
 */
export type WidgetEvent =
  /** An agent's or the bot's message for this visitor: `delivered` once a widget acknowledges it. */
  | { kind: 'deliver'; visitorId: string; messageId: string }
  /** Messages of web conversations that changed (or the visitor's own, stored): to their visitors. */
  | { kind: 'messages'; event: 'new_message' | 'message_updated'; messageIds: string[] }
  /** An agent typing in a web conversation. */
  | { kind: 'typing'; conversationId: string; name: string; isTyping: boolean };

export async function publishWidgetEvent(redis: RedisClient, keys: RedisKeys, event: WidgetEvent): Promise<void> {
  await redis.publish(keys.widgetDeliver, JSON.stringify(event));
}
