import { io as connect, type Socket } from 'socket.io-client';

/** A real socket.io-client agent that records every event it receives. */
export class AgentSocket {
  readonly received: { event: string; data: any }[] = [];
  private waiters: { test: (e: string, d: any) => boolean; resolve: (d: any) => void }[] = [];
  readonly socket: Socket;
  disconnectReason?: string;

  private constructor(url: string, token: string) {
    this.socket = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false });
    this.socket.on('disconnect', (reason) => (this.disconnectReason = reason));
    this.socket.onAny((event: string, data: any) => {
      // conversation_updated may arrive batched as an array: record each.
      for (const d of event === 'conversation_updated' && Array.isArray(data) ? data : [data]) {
        this.received.push({ event, data: d });
        this.waiters = this.waiters.filter((w) => (w.test(event, d) ? (w.resolve(d), false) : true));
      }
    });
  }

  static async connect(url: string, token: string): Promise<AgentSocket> {
    const a = new AgentSocket(url, token);
    await new Promise<void>((resolve, reject) => {
      a.socket.once('connect', () => resolve());
      a.socket.once('connect_error', reject);
    });
    return a;
  }

  /** Resolves with the first (past or future) event matching; rejects after the timeout. */
  waitFor(event: string, test: (d: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const past = this.received.find((r) => r.event === event && test(r.data));
    if (past) return Promise.resolve(past.data);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${event} within ${timeoutMs} ms (socket ${this.socket.connected ? 'connected' : `disconnected: ${this.disconnectReason}`}; last: ${JSON.stringify(this.received.at(-1))?.slice(0, 300)})`)),
        timeoutMs,
      );
      this.waiters.push({ test: (e, d) => e === event && test(d), resolve: (d) => (clearTimeout(timer), resolve(d)) });
    });
  }

  events(event: string) {
    return this.received.filter((r) => r.event === event).map((r) => r.data);
  }

  /** Emits a client event and resolves with its acknowledgement. */
  call<T = any>(event: string, payload: unknown): Promise<{ ok: boolean; data?: T; error?: { code: string; message: string } }> {
    return this.socket.timeout(5000).emitWithAck(event, payload);
  }

  close() {
    this.socket.close();
  }
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(v)?.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
