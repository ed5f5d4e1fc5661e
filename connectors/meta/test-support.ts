/** Test helpers: fixture loading and a real local HTTP double of the Graph API. */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorContext, RawInbound } from '../types.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
export const RECEIVED_AT = 1731710000000;

export const fixtureNames = () => readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
export const fixtureText = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
export const fixture = (name: string): RawInbound => ({ body: fixtureText(name), contentType: 'application/json', receivedAt: RECEIVED_AT });

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Reply = { status?: number; headers?: Record<string, string>; body?: string | Buffer | object } | 'hang';

/** A Graph API stand-in: records every request and answers with `handler`. */
export class GraphDouble {
  readonly requests: Recorded[] = [];
  handler: (req: Recorded) => Reply = () => ({ status: 404, body: { error: { message: 'no route', code: 803 } } });
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(rec);
      const reply = this.handler(rec);
      if (reply === 'hang') return;
      const body = reply.body === undefined ? '' : Buffer.isBuffer(reply.body) || typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const type = typeof reply.body === 'object' && !Buffer.isBuffer(reply.body) ? { 'content-type': 'application/json' } : {};
      res.writeHead(reply.status ?? 200, { ...type, ...reply.headers });
      res.end(body);
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  reset(handler: GraphDouble['handler']): void {
    this.requests.length = 0;
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const ctx: ConnectorContext = { webhookUrl: 'https://hub.example.com/webhooks/meta', fetch: (...a) => fetch(...a) };
