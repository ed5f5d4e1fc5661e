// Test double of Twilio's REST API (https://www.twilio.com/docs/messaging/api/message-resource) on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RestCall { method: string; path: string; authorization?: string; form: [string, string][] }
export interface Reply { status: number; json?: unknown; body?: Buffer; headers?: Record<string, string> }
export type Handler = (call: RestCall) => Reply;

/** Twilio's error body, as RestException reads it. */
export const twilioError = (status: number, code: number, message: string): Reply => ({
  status,
  json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/** The Message resource Twilio answers a create with (201, status queued). */
export function createdMessage(accountSid: string, sid: string, form: [string, string][]) {
  const get = (k: string) => form.find(([key]) => key === k)?.[1] ?? null;
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const numMedia = form.filter(([k]) => k === 'MediaUrl').length;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: get('Body') ?? '',
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: get('From'),
    messaging_service_sid: null,
    num_media: String(numMedia),
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: get('To'),
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function write(res: ServerResponse, reply: Reply) {
  const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : reply.body ?? Buffer.alloc(0);
  res.writeHead(reply.status, { ...(reply.json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...reply.headers });
  res.end(body);
}

/**
 * The API on one origin and a "CDN" on another: media requests get a 307 to the CDN, as
 * Twilio redirects to signed storage. Both record what they received.
 */
export async function startTwilioDouble(accountSid: string, authToken: string, handlers: { create?: Handler } = {}, cdnFiles: Record<string, Reply> = {}) {
  const calls: RestCall[] = [];
  const cdnCalls: RestCall[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  let seq = 0;

  const cdn = await listen((req, res) => {
    cdnCalls.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization, form: [] });
    write(res, cdnFiles[new URL(req.url!, 'http://x').pathname] ?? { status: 404, body: Buffer.from('NoSuchKey') });
  });

  const api = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = [...new URLSearchParams(Buffer.concat(chunks).toString('utf8'))];
    const call: RestCall = { method: req.method!, path: req.url!, authorization: req.headers.authorization, form };
    calls.push(call);
    if (call.authorization !== expectedAuth) return write(res, twilioError(401, 20003, 'Authenticate'));
    const path = new URL(req.url!, 'http://x').pathname;
    if (req.method === 'POST' && path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      const sid = `SM${(++seq).toString(16).padStart(32, '0')}`;
      return write(res, handlers.create?.(call) ?? { status: 201, json: createdMessage(accountSid, sid, form) });
    }
    const media = path.match(/^\/2010-04-01\/Accounts\/\w+\/Messages\/\w+\/Media\/(\w+)$/);
    if (req.method === 'GET' && media) return write(res, { status: 307, headers: { location: `${cdn.url}/media/${media[1]}?X-Amz-Signature=abc` } });
    write(res, twilioError(404, 20404, `The requested resource ${path} was not found`));
  });

  return {
    url: api.url,
    cdnUrl: cdn.url,
    calls,
    cdnCalls,
    close: async () => {
      await api.close();
      await cdn.close();
    },
  };
}
