/**
 * The load generator's HTTP/1.1 client, on `net`: keep-alive connections with one request in
 * flight each, a request written as one string, an answer parsed for its status, length and
 * body only. The generator shares the hub's 2 cores, so what it spends per request is taken from
 * the hub: this costs a fraction of a general client's CPU per request
 * (`npm run bench:http-client`, bench/http-client.bench.ts, compares it with undici's pool in the same run).
 */
import { connect, type Socket } from 'node:net';

export type HttpAnswer = { status: number; body: string };
type Pending = { head: string; body: string; resolve: (a: HttpAnswer) => void; reject: (e: Error) => void };

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * An idle connection is not reused after this long: Node's server closes one idle for 5 s
 * (keepAliveTimeout), and a request written as its FIN crosses would fail on the client.
 */
const IDLE_REUSE_MS = 4_000;

class Connection {
  private buffered?: Buffer;
  private current?: Pending;
  private closed = false;
  /** When it last finished an answer (performance.now()). */
  idleSince = 0;

  constructor(
    private readonly socket: Socket,
    /** The connection is free for the next request, or (`reusable` false) gone. */
    private readonly done: (c: Connection, reusable: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', (err) => this.close(err));
    socket.on('close', () => this.close());
  }

  private close(err?: Error) {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const p = this.current;
    this.current = undefined;
    p?.reject(err ?? new Error('connection closed before the answer'));
    this.done(this, false);
  }

  /** Closes an idle connection quietly (the pool counts it gone itself). */
  retire(): void {
    this.closed = true;
    this.socket.destroy();
  }

  send(p: Pending): void {
    this.current = p;
    this.socket.write(p.head + p.body);
  }

  private data(chunk: Buffer) {
    const buf = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const answer = parse(buf);
    if (!answer) return void (this.buffered = buf);
    this.buffered = undefined;
    const p = this.current!;
    this.current = undefined;
    p.resolve({ status: answer.status, body: answer.body });
    this.idleSince = performance.now();
    if (answer.keepAlive) this.done(this, true);
    else this.close();
  }
}

/** A whole answer in `buf`, or undefined while it is incomplete (Content-Length or chunked bodies). */
function parse(buf: Buffer): { status: number; body: string; keepAlive: boolean } | undefined {
  const end = buf.indexOf(CRLF2);
  if (end < 0) return undefined;
  const head = buf.toString('latin1', 0, end).toLowerCase();
  const status = Number(head.slice(9, 12));
  const keepAlive = !/\r\nconnection: *close/.test(head);
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  let at = end + 4;
  if (length) {
    const n = Number(length[1]);
    return buf.length < at + n ? undefined : { status, keepAlive, body: buf.toString('utf8', at, at + n) };
  }
  if (!/\r\ntransfer-encoding: *chunked/.test(head)) return { status, keepAlive: false, body: '' };
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (size === 0) return buf.length < lineEnd + 4 ? undefined : { status, keepAlive, body: Buffer.concat(parts).toString('utf8') };
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** `(method, path, body, headers)` against `base` (http://host:port) over at most `maxSockets` connections. */
export function httpClient(base: string, maxSockets = 64) {
  const { hostname, port } = new URL(base);
  const host = hostname.replace(/^\[|\]$/g, '');
  const idle: Connection[] = [];
  const queue: Pending[] = [];
  let open = 0;
  const done = (c: Connection, reusable: boolean) => {
    if (reusable) idle.push(c);
    else {
      // Closed while idle too (the server's keep-alive timeout).
      const at = idle.indexOf(c);
      if (at >= 0) idle.splice(at, 1);
      open--;
    }
    dispatch();
  };
  const dispatch = () => {
    while (queue.length) {
      let c = idle.pop();
      if (c && performance.now() - c.idleSince > IDLE_REUSE_MS) {
        // The oldest idle ones are at the front: all of them go, then a fresh connection is made.
        for (const stale of [c, ...idle.splice(0)]) stale.retire(), open--;
        continue;
      }
      if (!c) {
        if (open >= maxSockets) return;
        open++;
        c = new Connection(connect(Number(port), host), done);
      }
      c.send(queue.shift()!);
    }
  };
  return (method: string, path: string, body: string, headers: Record<string, string>): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n`;
      for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
      head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      queue.push({ head, body, resolve, reject });
      dispatch();
    });
}
