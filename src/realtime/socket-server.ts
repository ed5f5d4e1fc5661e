import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Deps } from '../context.js';
import { authenticate } from '../domain/accounts.js';
import type { ClientEvents, ServerEvents } from './events.js';
import { rooms } from './publisher.js';
import { redisKeys } from '../queue/redis-keys.js';
import type { AuthInfo } from '../security/policy.js';
import { originAllowed } from '../security/origins.js';
import { socketAdapter } from './socket-redis.js';

const SOCKET_FRAME_BYTES = 100 * 1024;

/** `typedAt`: the typing rate limit's memory (src/realtime/handlers.ts), made on the first typing event. */
export type SocketData = { auth: Omit<AuthInfo, 'user'>; typedAt?: Map<string, number> };
export type HubServer = Server<ClientEvents, ServerEvents, Record<string, never>, SocketData>;
export type HubSocket = Parameters<Parameters<HubServer['on']>[1]>[0];

/**
 * Socket.IO on the hub's HTTP server. The token is checked at the handshake; each socket
 * joins its organization's and its user's rooms. The Redis adapter lets several hub
 * processes share rooms.
 */
export function createSocketServer(httpServer: HttpServer, deps: Deps, onConnection: (socket: HubSocket) => void): { io: HubServer; close(): Promise<void> } {
  const link = socketAdapter(deps.redis, redisKeys(deps.config.queuePrefix));
  const io: HubServer = new Server(httpServer, {
    adapter: link.adapter,
    // Browsers only from the hub's own origin and CORS_ORIGINS; refused at the handshake (WebSocket
    // upgrades are not subject to CORS, so allowRequest checks them too).
    cors: { origin: (origin, cb) => cb(null, originAllowed(deps, origin, undefined) && origin), credentials: true },
    allowRequest: (req, cb) => cb(null, originAllowed(deps, req.headers.origin, req.headers.host)),
    // Events are small (a message is at most 4096 characters): a bigger frame closes the socket.
    maxHttpBufferSize: SOCKET_FRAME_BYTES,
    // Off (Engine.IO's default), said here so it stays so: ws keeps a zlib context per compressed connection, and broadcasts
    // could no longer send one frame encoded once to every socket.
    perMessageDeflate: false,
  });

  io.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      if (typeof token !== 'string' || !token) throw new Error('missing token');
      const { user: _row, ...auth } = await authenticate(deps, deps.orm.em.fork(), token);
      socket.data.auth = auth;
      next();
    } catch {
      next(Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message: 'Invalid or expired token' } }));
    }
  });

  // A revoked session's sockets are closed at once (Sessions.revoked); this sweep catches one
  // whose close request was lost, so no socket outlives its user's standing for long.
  const sweep = setInterval(async () => {
    const sockets = [...io.of('/').sockets.values()].filter((socket) => socket.data.auth);
    try {
      await deps.sessions.refresh(sockets.map((socket) => socket.data.auth.userId));
      for (const socket of sockets) if (!(await deps.sessions.isCurrent(socket.data.auth))) socket.disconnect(true);
    } catch {
      // The database away for a moment: the next sweep checks again.
    }
  }, deps.config.sessionSweepMs).unref();

  io.on('connection', (socket) => {
    const { orgId, userId, role } = socket.data.auth;
    socket.join([rooms.org(orgId), rooms.user(userId), ...(role === 'agent' ? [] : [rooms.admins(orgId)])]);
    onConnection(socket);
  });

  return {
    io,
    close: async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await link.close();
    },
  };
}
