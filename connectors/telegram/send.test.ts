// Against a local Bot API double: https://core.telegram.org/bots/api#making-requests
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorContext, type OutboundMessage } from '../types.js';
import { fail, ok, startBotApiDouble, type Handler, type Reply } from './bot-api-double.js';
import { TelegramCredentials } from './credentials.js';
import { telegram } from './index.js';
import { chunkText } from './send.js';

const TOKEN = '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq';
const ctx: ConnectorContext = { webhookUrl: 'https://hub.example.com/webhooks/telegram/ch_1', fetch };
const to = { externalId: '5132457788', identifier: '@maria_souza', identifierType: 'social' as const };
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({ messageId: 'm1', to, content: 'Your order ships tomorrow.', messageType: 'text', ...over });

let double: Awaited<ReturnType<typeof startBotApiDouble>> | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});
async function setup(handlers: Record<string, Handler> = {}, files: Record<string, Reply> = {}, over: Record<string, unknown> = {}) {
  double = await startBotApiDouble(TOKEN, handlers, files);
  const creds = TelegramCredentials.parse({ botToken: TOKEN, secretToken: 'hub_secret', apiBaseUrl: double.url, ...over });
  return { double, creds };
}
const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
};

describe('telegram send', () => {
  it('sends text with sendMessage to the chat id and returns chat:message id', async () => {
    const { double, creds } = await setup();
    expect(await telegram.send!.send(message(), creds, ctx)).toEqual({ externalId: '5132457788:2000' });
    expect(double.calls).toEqual([{ method: 'sendMessage', body: { chat_id: '5132457788', text: 'Your order ships tomorrow.' } }]);
  });

  it('splits text over 4096 characters into several messages', async () => {
    const { double, creds } = await setup();
    const content = 'a'.repeat(4096) + 'b'.repeat(10);
    expect(await telegram.send!.send(message({ content }), creds, ctx)).toEqual({ externalId: '5132457788:2000' });
    expect(double.calls.map((c) => c.body.text.length)).toEqual([4096, 10]);
  });

  it('picks the media method from the mime type or the message type, caption on the first', async () => {
    const { double, creds } = await setup();
    const result = await telegram.send!.send(
      message({
        messageType: 'image',
        content: 'Here is the label',
        attachments: [
          { url: 'https://cdn.example.com/label.png', mimeType: 'image/png' },
          { url: 'https://cdn.example.com/terms.pdf', mimeType: 'application/pdf', fileName: 'terms.pdf' },
          { url: 'https://cdn.example.com/hello.ogg', mimeType: 'audio/ogg' },
          { url: 'https://cdn.example.com/clip.mp4', mimeType: 'video/mp4' },
        ],
      }),
      creds,
      ctx,
    );
    expect(result).toEqual({ externalId: '5132457788:2000' });
    expect(double.calls).toEqual([
      { method: 'sendPhoto', body: { chat_id: '5132457788', photo: 'https://cdn.example.com/label.png', caption: 'Here is the label' } },
      { method: 'sendDocument', body: { chat_id: '5132457788', document: 'https://cdn.example.com/terms.pdf' } },
      { method: 'sendAudio', body: { chat_id: '5132457788', audio: 'https://cdn.example.com/hello.ogg' } },
      { method: 'sendVideo', body: { chat_id: '5132457788', video: 'https://cdn.example.com/clip.mp4' } },
    ]);
  });

  it('falls back to messageType without a mime type, and sends a long caption as text first', async () => {
    const { double, creds } = await setup();
    await telegram.send!.send(message({ messageType: 'video', content: 'x'.repeat(1500), attachments: [{ url: 'https://cdn.example.com/v' }] }), creds, ctx);
    expect(double.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendVideo']);
    expect(double.calls[1].body.caption).toBeUndefined();
  });

  const cases: [string, Reply, Partial<ConnectorError>][] = [
    ['401', fail(401, 'Unauthorized'), { category: 'auth', code: '401' }],
    ['403 blocked', fail(403, 'Forbidden: bot was blocked by the user'), { category: 'permanent', message: 'telegram sendMessage: Forbidden: bot was blocked by the user' }],
    ['429', fail(429, 'Too Many Requests: retry after 17', { retry_after: 17 }), { category: 'rate_limited', retryAfter: 17 }],
    ['500', fail(500, 'Internal Server Error'), { category: 'temporary' }],
    ['502 html', { status: 502, body: Buffer.from('<html>Bad Gateway</html>') }, { category: 'temporary', code: '502' }],
    ['400', fail(400, 'Bad Request: chat not found'), { category: 'permanent', message: 'telegram sendMessage: Bad Request: chat not found' }],
  ];
  it.each(cases)('classifies %s', async (_name, reply, expected) => {
    const { creds } = await setup({ sendMessage: () => reply });
    expect(await rejection(telegram.send!.send(message(), creds, ctx))).toMatchObject(expected);
  });

  it('network failure is temporary and does not leak the token', async () => {
    const { double, creds } = await setup();
    await double.close();
    const e = await rejection(telegram.send!.send(message(), creds, ctx));
    expect(e.category).toBe('temporary');
    expect(e.message).not.toContain(TOKEN);
  });

  it('chunkText never cuts a surrogate pair', () => {
    const parts = chunkText('a'.repeat(4095) + '😀' + 'b', 4096);
    expect(parts).toEqual(['a'.repeat(4095), '😀b']);
  });
});

describe('telegram activate', () => {
  it('webhook mode registers the hub URL with the secret token', async () => {
    const { double, creds } = await setup();
    await telegram.activate!(creds, ctx);
    expect(double.calls).toEqual([
      {
        method: 'setWebhook',
        body: {
          url: 'https://hub.example.com/webhooks/telegram/ch_1',
          secret_token: 'hub_secret',
          allowed_updates: ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'message_reaction'],
          drop_pending_updates: false,
        },
      },
    ]);
  });

  it('polling mode deletes the webhook', async () => {
    const { double, creds } = await setup({}, {}, { mode: 'polling' });
    await telegram.activate!(creds, ctx);
    expect(double.calls).toEqual([{ method: 'deleteWebhook', body: { drop_pending_updates: false } }]);
  });

  it('a refused webhook URL surfaces as a permanent error', async () => {
    const { creds } = await setup({ setWebhook: () => fail(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook') });
    expect(await rejection(telegram.activate!(creds, ctx))).toMatchObject({ category: 'permanent', message: expect.stringContaining('HTTPS URL') });
  });
});

describe('telegram media', () => {
  const pdf = Buffer.from('%PDF-1.7 test');
  it('resolves file_id with getFile and downloads the file path', async () => {
    const { double, creds } = await setup(
      { getFile: (b) => ok({ file_id: b.file_id, file_unique_id: 'AgADsxQAAuGN8VI', file_size: pdf.length, file_path: 'documents/file_12.pdf' }) },
      { 'documents/file_12.pdf': { body: pdf } },
    );
    const got = await telegram.media!.fetch('BQACAgQAAxkBAAIEFGZd', creds, ctx);
    expect(got).toEqual({ data: pdf, mimeType: 'application/pdf', fileName: 'file_12.pdf' });
    expect(double.calls).toEqual([{ method: 'getFile', body: { file_id: 'BQACAgQAAxkBAAIEFGZd' } }]);
  });

  it('keeps a served content type, and a too-big file is permanent', async () => {
    const { creds } = await setup(
      {
        getFile: (b) =>
          b.file_id === 'big' ? fail(400, 'Bad Request: file is too big') : ok({ file_id: b.file_id, file_unique_id: 'u', file_path: 'voice/file_3.oga' }),
      },
      { 'voice/file_3.oga': { body: Buffer.from('OggS'), headers: { 'content-type': 'audio/ogg' } } },
    );
    expect(await telegram.media!.fetch('v', creds, ctx)).toMatchObject({ mimeType: 'audio/ogg', fileName: 'file_3.oga' });
    expect(await rejection(telegram.media!.fetch('big', creds, ctx))).toMatchObject({ category: 'permanent' });
  });

  it('a failed download right after getFile is temporary', async () => {
    const { creds } = await setup({ getFile: () => ok({ file_id: 'x', file_unique_id: 'u', file_path: 'photos/missing.jpg' }) });
    expect(await rejection(telegram.media!.fetch('x', creds, ctx))).toMatchObject({ category: 'temporary', code: '404' });
  });
});
