/** The hub's wire contract (CONTRACT.md): zod schemas of the shapes, the socket event maps, the message-status order. */
export * from './wire.js';
export * from './socket.js';
export { MESSAGE_STATUSES, canMoveTo, isStaleStatus, messageStatusRank } from './message-status.js';
