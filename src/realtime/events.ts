/** Socket.IO event maps shared by the server and the browser client: the contract's (contract/socket.ts). */
export type { Ack, AckReply, ClientEventName, ClientEvents, ClientRequests, ServerEvents } from '../../contract/socket.js';
