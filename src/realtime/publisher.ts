import type { RedisClient } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import { socketBroadcaster, type Broadcaster } from './socket-redis.js';
import type { ServerEvents } from './events.js';

export const rooms = {
  org: (id: string) => `org:${id}`,
  /** The organization's admins (and owner): channel health and WhatsApp Web pairing QR codes. */
  admins: (id: string) => `admins:${id}`,
  conversation: (id: string) => `conv:${id}`,
  user: (id: string) => `user:${id}`,
};

/**
 * Sends live events to agents through Redis, so any process (API or worker) can publish and
 * every API process's sockets receive them (the Socket.IO Redis adapter on the other end).
 */
export class Publisher {
  private readonly emitter: Broadcaster;

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.emitter = socketBroadcaster(redis, keys);
  }

  to<E extends keyof ServerEvents>(roomsList: string[], event: E, ...args: Parameters<ServerEvents[E]>): void {
    if (roomsList.length === 0) return;
    this.emitter.to(roomsList).emit(event, ...(args as any[]));
  }

  /** Closes the sockets in these rooms on every node (the adapter carries the request). */
  disconnect(roomsList: string[]): void {
    if (roomsList.length === 0) return;
    this.emitter.in(roomsList).disconnectSockets(true);
  }

  close(): Promise<void> {
    return this.emitter.close();
  }
}
