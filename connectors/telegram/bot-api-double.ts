// Test double of the Bot API (https://core.telegram.org/bots/api) on 127.0.0.1: records calls, answers like Telegram.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BotApiCall { method: string; body: Record<string, any> }
export interface Reply { status?: number; json?: unknown; body?: Buffer; headers?: Record<string, string> }
export type Handler = (body: Record<string, any>, req: { closed: Promise<void> }) => Reply | Promise<Reply>;

export const ok = (result: unknown): Reply => ({ json: { ok: true, result } });
export const fail = (status: number, description: string, parameters?: Record<string, unknown>): Reply => ({
  status,
  json: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
});

const BOT = { id: 7212345678, is_bot: true, first_name: 'Acme Support', username: 'acme_support_bot' };

/** A sent Message as the Bot API returns it, with the fields a client reads. */
export function sentMessage(messageId: number, body: Record<string, any>, extra: Record<string, unknown> = {}) {
  const chatId = Number(body.chat_id);
  return {
    message_id: messageId,
    from: BOT,
    chat: { id: chatId, first_name: 'Maria', last_name: 'Souza', username: 'maria_souza', type: 'private' },
    date: Math.floor(Date.now() / 1000),
    ...extra,
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text);
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startBotApiDouble(token: string, handlers: Record<string, Handler> = {}, files: Record<string, Reply> = {}) {
  const calls: BotApiCall[] = [];
  let nextId = 2000;
  const defaults: Record<string, Handler> = {
    sendMessage: (b) => ok(sentMessage(nextId++, b, { text: b.text })),
    sendPhoto: (b) => ok(sentMessage(nextId++, b, { photo: [{ file_id: 'AgACAgQAAxk-sent', file_unique_id: 'AQAD-sent', width: 800, height: 600 }], caption: b.caption })),
    sendDocument: (b) => ok(sentMessage(nextId++, b, { document: { file_id: 'BQACAgQAAxk-sent', file_unique_id: 'AgAD-sent' }, caption: b.caption })),
    sendAudio: (b) => ok(sentMessage(nextId++, b, { audio: { file_id: 'CQACAgQAAxk-sent', file_unique_id: 'AgAD-sent', duration: 3 } })),
    sendVideo: (b) => ok(sentMessage(nextId++, b, { video: { file_id: 'BAACAgQAAxk-sent', file_unique_id: 'AgAD-sent', duration: 3, width: 1, height: 1 } })),
    setMessageReaction: () => ok(true),
    editMessageText: (b) => ok(sentMessage(Number(b.message_id), b, { text: b.text, edit_date: Math.floor(Date.now() / 1000) })),
    deleteMessage: () => ok(true),
    setWebhook: () => ok(true),
    deleteWebhook: () => ok(true),
  };
  const server = createServer(async (req, res) => {
    const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
    const url = new URL(req.url ?? '/', 'http://x');
    let reply: Reply;
    const fileMatch = url.pathname.match(/^\/file\/bot([^/]+)\/(.+)$/);
    const apiMatch = url.pathname.match(/^\/bot([^/]+)\/(\w+)$/);
    if (fileMatch) {
      reply = fileMatch[1] !== token ? { status: 401, body: Buffer.from('Unauthorized') } : files[fileMatch[2]] ?? { status: 404, body: Buffer.from('Not Found') };
    } else if (!apiMatch) {
      reply = fail(404, 'Not Found');
    } else if (apiMatch[1] !== token) {
      reply = fail(401, 'Unauthorized');
    } else {
      const body = await readBody(req);
      calls.push({ method: apiMatch[2], body });
      const handler = handlers[apiMatch[2]] ?? defaults[apiMatch[2]];
      reply = handler ? await handler(body, { closed }) : fail(404, 'Not Found: method not found');
    }
    if (res.destroyed) return;
    const data = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : reply.body ?? Buffer.alloc(0);
    res.writeHead(reply.status ?? 200, {
      'content-type': reply.json !== undefined ? 'application/json' : 'application/octet-stream',
      ...reply.headers,
    });
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
