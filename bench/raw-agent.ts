/**
 * An agent's Socket.IO connection spoken directly over a WebSocket (Engine.IO 4, Socket.IO 5
 * protocol) for the fan-out bench: the hub's side is the real Socket.IO server, unchanged. A load
 * generator holding 2,000 agents on the hub's 2 cores would otherwise spend more CPU in
 * socket.io-client than the hub spends sending (each browser decodes only its own copy), and count
 * its own backlog as the hub's latency. Broadcast events reach `onEvent` as the packet's bytes,
 * undecoded (only the event's name is read); only acknowledgements are parsed. No binary packets.
 */
import WebSocket from 'ws';

export class RawAgent {
  private nextAck = 0;
  private readonly acks = new Map<number, (data: unknown) => void>();
  /** `(event, packet)` for every event the hub sends this agent (`packet`: the frame's bytes, `42["event",…]`). */
  onEvent: (event: string, packet: Buffer) => void = () => undefined;

  private constructor(private readonly ws: WebSocket) {}

  static connect(url: string, token: string): Promise<RawAgent> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    const agent = new RawAgent(ws);
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (raw: Buffer) => {
        // `42["` starts an event: its name is read from the bytes, the rest is left to `onEvent`.
        if (raw[0] === 0x34 && raw[1] === 0x32 && raw[2] === 0x5b) return agent.onEvent(raw.toString('latin1', 4, raw.indexOf(0x22, 4)), raw);
        const text = raw.toString();
        // Engine.IO: 0 open, 2 ping (answered 3), 4 message; Socket.IO inside: 0 connect, 2 event, 3 ack, 4 connect error.
        if (text[0] === '0') return ws.send(`40${JSON.stringify({ token })}`);
        if (text === '2') return ws.send('3');
        if (text.startsWith('40')) return resolve(agent);
        if (text.startsWith('44')) return reject(new Error(`refused: ${text.slice(2)}`));
        if (text.startsWith('43')) agent.settle(text.slice(2));
      });
    });
  }

  /** Like socket.io-client's `timeout(ms).emitWithAck(event, data)`. */
  emitWithAck(event: string, data: unknown, timeoutMs = 30_000): Promise<unknown> {
    const id = this.nextAck++;
    this.ws.send(`42${id}${JSON.stringify([event, data])}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (this.acks.delete(id), reject(new Error(`${event}: no ack in ${timeoutMs} ms`))), timeoutMs);
      this.acks.set(id, (d) => (clearTimeout(timer), resolve(d)));
    });
  }

  close(): void {
    this.ws.close();
  }

  private settle(rest: string) {
    const bracket = rest.indexOf('[');
    const id = Number(rest.slice(0, bracket));
    const [data] = JSON.parse(rest.slice(bracket)) as unknown[];
    this.acks.get(id)?.(data);
    this.acks.delete(id);
  }
}

/** `count` raw agents, connected a hundred at a time. */
export async function connectRawAgents(url: string, token: string, count: number): Promise<RawAgent[]> {
  const agents: RawAgent[] = [];
  while (agents.length < count) {
    agents.push(...(await Promise.all(Array.from({ length: Math.min(100, count - agents.length) }, () => RawAgent.connect(url, token)))));
  }
  return agents;
}

/** The bench's markers (`"content":"fan-12"`) in a packet's JSON text, in order. */
export const markersIn = (json: string, prefix: string): string[] =>
  Array.from(json.matchAll(new RegExp(`"content":"(${prefix}\\d+)"`, 'g')), (m) => m[1]!);
