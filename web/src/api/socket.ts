import { io, type Socket } from 'socket.io-client';
import type { AckReply, ClientEventName, ClientEvents, ClientRequests, ServerEvents } from '../../../contract/socket';
import { ApiError } from './http';

/** The agents' Socket.IO connection (CONTRACT.md): its event maps come from the contract. */
export type HubSocket = Socket<ServerEvents, ClientEvents>;

let current: HubSocket | null = null;

/** The one live connection, opened and closed by the socket store; requests go through it. */
export const hubSocket = {
  get current(): HubSocket | null { return current; },
  open(token: () => string | null): HubSocket {
    current = io({
      // Read at every (re)connection: after a password change the socket comes back with the new token.
      auth: (cb) => cb({ token: token() }),
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    return current;
  },
  close() {
    const s = current;
    current = null;
    s?.removeAllListeners();
    s?.disconnect();
  },
};

/** A client event with its acknowledgement, as a promise; failures are ApiErrors like REST's. */
export function request<E extends ClientEventName>(event: E, payload: ClientRequests[E]['payload'], timeoutMs = 15_000): Promise<ClientRequests[E]['data']> {
  type T = ClientRequests[E]['data'];
  const s = current;
  if (!s) return Promise.reject(new ApiError(0, 'offline', 'Not connected to the hub'));
  // socket.io's types cannot resolve the acknowledgement of a generic event: the contract's, spelled out.
  const timed = s.timeout(timeoutMs) as unknown as { emit(ev: E, payload: ClientRequests[E]['payload'], ack: (err: Error | null, res: AckReply<T>) => void): void };
  return new Promise<T>((resolve, reject) => {
    timed.emit(event, payload, (err, res) => {
      if (err) return reject(new ApiError(0, 'timeout', 'The hub did not answer in time'));
      if (!res || typeof res !== 'object') return reject(new ApiError(0, 'bad_reply', 'Unexpected reply from the hub'));
      if (res.ok) resolve(res.data);
      else reject(new ApiError(400, res.error?.code ?? 'error', res.error?.message ?? 'Request failed'));
    });
  });
}
