/**
 * A Socket.IO parser for the bench's agents (socket.io-client's `parser` option) that leaves the
 * broadcast events it names undecoded: their handler gets the packet's JSON text and finds the
 * bench's markers in it. A browser decodes only its own copy of a broadcast; a load generator
 * holding 2,000 agents' sockets would otherwise spend more CPU decoding 2,000 copies than the hub
 * spends sending them, and count its own queue as the hub's latency. Everything else (connect,
 * acknowledgements, other events) is decoded as the default parser does. No binary attachments.
 */
import { EventEmitter } from 'node:events';

type Packet = { type: number; nsp: string; id?: number; data?: unknown };

export function markerParser(lazyEvents: string[]) {
  const lazyPrefixes = lazyEvents.map((e) => `[${JSON.stringify(e)},`);
  class Encoder {
    encode(p: Packet): string[] {
      return [`${p.type}${p.nsp !== '/' ? `${p.nsp},` : ''}${p.id ?? ''}${p.data === undefined ? '' : JSON.stringify(p.data)}`];
    }
  }
  class Decoder extends EventEmitter {
    add(chunk: unknown) {
      if (typeof chunk !== 'string') throw new Error('the bench parser takes no binary packets');
      let i = 1;
      let nsp = '/';
      if (chunk[i] === '/') {
        const comma = chunk.indexOf(',', i);
        nsp = chunk.slice(i, comma < 0 ? undefined : comma);
        i = comma < 0 ? chunk.length : comma + 1;
      }
      let digits = '';
      while (i < chunk.length && chunk[i]! >= '0' && chunk[i]! <= '9') digits += chunk[i++];
      const rest = chunk.slice(i);
      const type = Number(chunk[0]);
      const lazy = type === 2 && lazyPrefixes.findIndex((p) => rest.startsWith(p));
      const data = lazy !== false && lazy >= 0 ? [lazyEvents[lazy], rest] : rest ? JSON.parse(rest) : undefined;
      this.emit('decoded', { type, nsp, data, ...(digits ? { id: Number(digits) } : {}) } satisfies Packet);
    }
    destroy() {
      this.removeAllListeners();
    }
  }
  return { Encoder, Decoder };
}

/** The bench's markers (`"content":"fan-12"`) in a packet's JSON text, in order. */
export const markersIn = (json: string, prefix: string): string[] =>
  Array.from(json.matchAll(new RegExp(`"content":"(${prefix}\\d+)"`, 'g')), (m) => m[1]!);
