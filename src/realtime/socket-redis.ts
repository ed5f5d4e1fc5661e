import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Cluster } from 'ioredis';
import { Packr } from 'msgpackr';
import { Server, type ServerOptions } from 'socket.io';
import { duplicateRedis, type RedisClient } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';

type AdapterConstructor = ServerOptions['adapter'];

/**
 * MessagePack for the classic adapter and the emitter (both ends must agree): msgpackr, about
 * twice as fast as their default (notepack.io) with far less garbage, which the worker paid on
 * every message it publishes. Plain maps, and 64-bit integers as numbers (notepack.io writes
 * numbers past 32 bits so; a BigInt would break Socket.IO's JSON): a process of an older
 * version still understands it. The sharded adapter has no such option and keeps notepack.io.
 */
const msgpack = new Packr({ useRecords: false, int64AsType: 'number' });
export const socketMessagePack = { encode: (m: unknown) => msgpack.pack(m), decode: (m: Buffer) => msgpack.unpack(m) };

/** What live events are sent through, from any process. */
export type Broadcaster = {
  to(rooms: string[]): { emit(event: string, ...args: unknown[]): unknown };
  in(rooms: string[]): { disconnectSockets(close: boolean): unknown };
  close(): Promise<void>;
};

/**
 * How Socket.IO processes reach each other through the hub's Redis. On one Redis: the classic
 * adapter (one pattern subscription) and the emitter. On a cluster, plain pub/sub would carry
 * every event through every node, so it is sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis >= 7):
 * a channel per room, on the node of its slot, heard only by the processes holding that room.
 */
export function socketAdapter(redis: RedisClient, keys: RedisKeys): { adapter: AdapterConstructor; close(): Promise<void> } {
  const cluster = redis instanceof Cluster;
  const pub = duplicateRedis(redis);
  const sub = duplicateRedis(redis, { sharded: cluster });
  // They reconnect by themselves; the main connection logs the outage.
  for (const r of [pub, sub]) r.on('error', () => undefined);
  return {
    adapter: cluster ? createShardedAdapter(pub, sub, { channelPrefix: keys.socketIo }) : createAdapter(pub, sub, { key: keys.socketIo, parser: socketMessagePack }),
    close: async () => {
      // QUIT after the adapter's own unsubscribes (sent by io.close, never awaited): a plain
      // disconnect rejected them unhandled. Redis away: no more than a second's wait.
      await Promise.all([pub, sub].map((r) => Promise.race([r.quit().catch(() => undefined), new Promise((done) => setTimeout(done, 1_000))])));
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/**
 * The sending end for a process that may hold no sockets (a worker). The emitter speaks only the
 * classic adapter's protocol, so on a cluster it is a Socket.IO server without sockets on the
 * sharded adapter: the library's own messages, whatever its version.
 */
export function socketBroadcaster(redis: RedisClient, keys: RedisKeys): Broadcaster {
  if (!(redis instanceof Cluster)) {
    // Live events are best effort (agents catch up on reconnect): a publish that Redis never took
    // (an outage, a shutdown with a tick's worth auto-pipelined) must not reject unhandled.
    const publisher = { publish: (channel: string, message: Buffer | string) => redis.publish(channel, message).catch(() => 0) };
    const emitter = new Emitter(publisher, { key: keys.socketIo, parser: socketMessagePack });
    return { to: (rooms) => emitter.to(rooms), in: (rooms) => emitter.in(rooms), close: async () => undefined };
  }
  const link = socketAdapter(redis, keys);
  const io = new Server({ adapter: link.adapter });
  return {
    to: (rooms) => io.to(rooms),
    in: (rooms) => io.in(rooms),
    close: async () => {
      // Not io.close(): it would also close an engine this server never started.
      await io.of('/').adapter.close();
      await link.close();
    },
  };
}
