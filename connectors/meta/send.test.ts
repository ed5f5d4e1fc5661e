import { afterAll, beforeAll, beforeEach, describe, it, expect } from 'vitest';
import { ConnectorError, type OutboundMessage } from '../types.js';
import { whatsappCloud } from './whatsapp-cloud.js';
import { messenger } from './messenger.js';
import { instagram } from './instagram.js';
import { InstagramCredentials, MessengerCredentials, WhatsAppCloudCredentials } from './credentials.js';
import { ctx as baseCtx, GraphDouble, type Recorded } from './test-support.js';

const graph = new GraphDouble();
/** A silent Graph fails fast here. */
const ctx = { ...baseCtx, timeouts: { apiMs: 300, downloadMs: 300 } };
let wa: WhatsAppCloudCredentials;
let fb: MessengerCredentials;
let ig: InstagramCredentials;

beforeAll(async () => {
  await graph.start();
  const common = { accessToken: 'EAAG-secret-token', appSecret: 's', apiBaseUrl: graph.url };
  wa = WhatsAppCloudCredentials.parse({ phoneNumberId: '106540352242922', ...common });
  fb = MessengerCredentials.parse({ pageId: '104523928612345', ...common });
  ig = InstagramCredentials.parse({ accountId: '17841405822304914', ...common, apiVersion: 'v22.0' });
});
afterAll(() => graph.stop());
beforeEach(() => graph.reset(() => ({ status: 500 })));

const waOk = (id: string) => ({ body: { messaging_product: 'whatsapp', contacts: [{ input: '16505551234', wa_id: '16505551234' }], messages: [{ id }] } });
const graphError = (status: number, error: object, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { error: { type: 'OAuthException', fbtrace_id: 'AbCdEfGh123', ...error } },
});
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'msg_1',
  to: { externalId: '16505551234', identifier: '+16505551234', identifierType: 'phone' },
  content: 'Your order shipped today.',
  messageType: 'text',
  ...over,
});
const json = (r: Recorded) => JSON.parse(r.body);

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('whatsappCloud.send', () => {
  const send = (m: OutboundMessage) => whatsappCloud.send!.send(m, wa, ctx);

  it('posts a text message with the bearer token and returns the wamid', async () => {
    graph.reset(() => waOk('wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQ0QkY0QjQ3NzlGQkYyMjUA'));
    await expect(send(message())).resolves.toEqual({ externalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQ0QkY0QjQ3NzlGQkYyMjUA' });
    expect(graph.requests).toHaveLength(1);
    const [req] = graph.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v21.0/106540352242922/messages');
    expect(req.headers.authorization).toBe('Bearer EAAG-secret-token');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.path).not.toContain('EAAG');
    expect(json(req)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      type: 'text',
      text: { body: 'Your order shipped today.', preview_url: true },
    });
    expect(whatsappCloud.send!.windowHours).toBe(24);
  });

  it('sends attachments by link, captioning the first captionable one', async () => {
    let n = 0;
    graph.reset(() => waOk(`wamid.out${++n}`));
    const result = await send(
      message({
        content: 'Here you go',
        messageType: 'file',
        attachments: [
          { url: 'https://files.example.com/a.ogg', mimeType: 'audio/ogg' },
          { url: 'https://files.example.com/invoice.pdf', mimeType: 'application/pdf', fileName: 'invoice.pdf' },
          { url: 'https://files.example.com/p.jpg', mimeType: 'image/jpeg' },
          { url: 'https://files.example.com/v.mp4', mimeType: 'video/mp4' },
        ],
      }),
    );
    expect(result).toEqual({ externalId: 'wamid.out1' });
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '16505551234' };
    expect(graph.requests.map(json)).toEqual([
      { ...base, type: 'audio', audio: { link: 'https://files.example.com/a.ogg' } },
      { ...base, type: 'document', document: { link: 'https://files.example.com/invoice.pdf', filename: 'invoice.pdf', caption: 'Here you go' } },
      { ...base, type: 'image', image: { link: 'https://files.example.com/p.jpg' } },
      { ...base, type: 'video', video: { link: 'https://files.example.com/v.mp4' } },
    ]);
  });

  it('sends the text first when no attachment can carry it, and uses the message type without a MIME type', async () => {
    let n = 0;
    graph.reset(() => waOk(`wamid.v${++n}`));
    await expect(
      send(message({ content: 'Listen', messageType: 'audio', attachments: [{ url: 'https://files.example.com/voice' }] })),
    ).resolves.toEqual({ externalId: 'wamid.v1' });
    expect(graph.requests.map((r) => json(r).type)).toEqual(['text', 'audio']);
  });

  it('classifies Graph errors from the body', async () => {
    graph.reset(() => graphError(401, { message: 'Error validating access token: Session has expired on Friday, 15-Nov-24 09:00:00 PST.', code: 190, error_subcode: 463 }));
    const auth = await failure(send(message()));
    expect(auth).toMatchObject({ category: 'auth', code: '190' });
    expect(auth.message).toContain('Session has expired');

    graph.reset(() =>
      graphError(400, {
        type: 'OAuthException',
        message: 'Re-engagement message',
        code: 131047,
        error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
      }),
    );
    expect(await failure(send(message()))).toMatchObject({
      category: 'permanent',
      code: '131047',
      message: 'Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    });

    graph.reset(() => graphError(400, { message: '(#130429) Rate limit hit', code: 130429, error_data: { details: 'Cloud API message throughput has been reached.' } }, { 'retry-after': '30' }));
    expect(await failure(send(message()))).toMatchObject({ category: 'rate_limited', code: '130429', retryAfter: 30 });

    graph.reset(() => graphError(400, { message: '(#131026) Message undeliverable', code: 131026 }));
    expect(await failure(send(message()))).toMatchObject({ category: 'permanent', code: '131026' });

    graph.reset(() => graphError(400, { message: 'An unknown error occurred', code: 1, is_transient: true }));
    expect(await failure(send(message()))).toMatchObject({ category: 'temporary', code: '1' });

    graph.reset(() => graphError(400, { message: '(#100) Invalid parameter', code: 100 }));
    expect(await failure(send(message()))).toMatchObject({ category: 'permanent', code: '100', message: '(#100) Invalid parameter' });
  });

  it('maps bare HTTP 429 and 500 answers', async () => {
    graph.reset(() => ({ status: 429, headers: { 'retry-after': '12' }, body: 'Too Many Requests' }));
    expect(await failure(send(message()))).toMatchObject({ category: 'rate_limited', code: 'http_429', retryAfter: 12 });
    graph.reset(() => ({ status: 503, body: '<html>Service Unavailable</html>' }));
    expect(await failure(send(message()))).toMatchObject({ category: 'temporary', code: 'http_503' });
  });

  it('turns a hanging Graph into a temporary timeout', async () => {
    graph.reset(() => 'hang');
    const started = Date.now();
    expect(await failure(send(message()))).toMatchObject({ category: 'temporary', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('turns a refused connection into a temporary network error', async () => {
    const closed = WhatsAppCloudCredentials.parse({ ...wa, apiBaseUrl: 'http://127.0.0.1:1' });
    expect(await failure(whatsappCloud.send!.send(message(), closed, ctx))).toMatchObject({ category: 'temporary', code: 'network' });
  });

  it('refuses an empty message and a 200 without id as permanent', async () => {
    expect(await failure(send(message({ content: '' })))).toMatchObject({ category: 'permanent', code: 'empty_message' });
    expect(graph.requests).toHaveLength(0);
    graph.reset(() => ({ body: { messaging_product: 'whatsapp', messages: [] } }));
    expect(await failure(send(message()))).toMatchObject({ category: 'permanent', code: 'no_message_id' });
  });
});

describe('messenger.send and instagram.send', () => {
  const psid = { externalId: '6945468168838584', identifier: '6945468168838584', identifierType: 'social' } as const;

  it('posts text to /me/messages as a RESPONSE and returns message_id', async () => {
    graph.reset(() => ({ body: { recipient_id: psid.externalId, message_id: 'm_sent_1' } }));
    await expect(messenger.send!.send(message({ to: psid }), fb, ctx)).resolves.toEqual({ externalId: 'm_sent_1' });
    const [req] = graph.requests;
    expect(req.path).toBe('/v21.0/me/messages');
    expect(req.headers.authorization).toBe('Bearer EAAG-secret-token');
    expect(json(req)).toEqual({ recipient: { id: psid.externalId }, messaging_type: 'RESPONSE', message: { text: 'Your order shipped today.' } });
    expect(messenger.send!.windowHours).toBe(24);
  });

  it('a quoted reply carries reply_to.mid on the message', async () => {
    graph.reset(() => ({ body: { recipient_id: psid.externalId, message_id: 'm_sent_q' } }));
    await messenger.send!.send(message({ to: psid, replyTo: { externalId: 'm_quoted_1' } }), fb, ctx);
    expect(json(graph.requests[0])).toEqual({ recipient: { id: psid.externalId }, messaging_type: 'RESPONSE', message: { text: 'Your order shipped today.', reply_to: { mid: 'm_quoted_1' } } });
  });

  it('a reaction is the sender action react with the message id and emoji; an empty emoji is unreact', async () => {
    graph.reset(() => ({ body: { recipient_id: psid.externalId } }));
    await messenger.send!.react!({ externalId: 'm_theirs_1', to: psid }, '😍', fb, ctx);
    await messenger.send!.react!({ externalId: 'm_theirs_1', to: psid }, '', fb, ctx);
    expect(graph.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['POST', '/v21.0/me/messages', 'Bearer EAAG-secret-token'],
      ['POST', '/v21.0/me/messages', 'Bearer EAAG-secret-token'],
    ]);
    expect(graph.requests.map(json)).toEqual([
      { recipient: { id: psid.externalId }, sender_action: 'react', payload: { message_id: 'm_theirs_1', reaction: '😍' } },
      { recipient: { id: psid.externalId }, sender_action: 'unreact', payload: { message_id: 'm_theirs_1' } },
    ]);
    graph.reset(() => graphError(400, { message: '(#100) Invalid message id', code: 100 }));
    expect(await failure(messenger.send!.react!({ externalId: 'gone', to: psid }, '👍', fb, ctx))).toMatchObject({ category: 'permanent' });
  });

  it('Instagram reacts the same way, on its own API version', async () => {
    graph.reset(() => ({ body: { recipient_id: psid.externalId } }));
    await instagram.send!.react!({ externalId: 'aWdfZAG1faXRlbToxOk', to: psid }, '❤️', ig, ctx);
    expect(graph.requests.map((r) => r.path)).toEqual(['/v22.0/me/messages']);
    expect(json(graph.requests[0])).toEqual({ recipient: { id: psid.externalId }, sender_action: 'react', payload: { message_id: 'aWdfZAG1faXRlbToxOk', reaction: '❤️' } });
  });

  it('sends text and each attachment separately (Messenger cannot mix them)', async () => {
    let n = 0;
    graph.reset(() => ({ body: { recipient_id: psid.externalId, message_id: `m_${++n}` } }));
    const result = await instagram.send!.send(
      message({
        to: psid,
        content: 'Photos attached',
        attachments: [
          { url: 'https://files.example.com/p.png', mimeType: 'image/png' },
          { url: 'https://files.example.com/terms.pdf', mimeType: 'application/pdf', fileName: 'terms.pdf' },
        ],
      }),
      ig,
      ctx,
    );
    expect(result).toEqual({ externalId: 'm_1' });
    expect(graph.requests.every((r) => r.path === '/v22.0/me/messages')).toBe(true);
    const base = { recipient: { id: psid.externalId }, messaging_type: 'RESPONSE' };
    expect(graph.requests.map(json)).toEqual([
      { ...base, message: { text: 'Photos attached' } },
      { ...base, message: { attachment: { type: 'image', payload: { url: 'https://files.example.com/p.png', is_reusable: true } } } },
      { ...base, message: { attachment: { type: 'file', payload: { url: 'https://files.example.com/terms.pdf', is_reusable: true } } } },
    ]);
  });

  it('classifies Messenger errors, including the 24 h window refusal', async () => {
    const cases: [object, string][] = [
      [{ message: '(#10) This message is sent outside of allowed window.', code: 10, error_subcode: 2018278 }, 'permanent'],
      [{ message: '(#551) This person isn\'t available right now.', code: 551, error_subcode: 1545041 }, 'permanent'],
      [{ message: '(#200) Requires pages_messaging permission to manage the object', code: 200 }, 'auth'],
      [{ message: '(#613) Calls to this api have exceeded the rate limit.', code: 613 }, 'rate_limited'],
      [{ message: 'Invalid OAuth access token.', code: 190 }, 'auth'],
      [{ message: 'An unexpected error has occurred. Please retry your request later.', code: 2, is_transient: true }, 'temporary'],
    ];
    for (const [error, category] of cases) {
      graph.reset(() => graphError(400, error));
      expect(await failure(messenger.send!.send(message({ to: psid }), fb, ctx))).toMatchObject({ category, code: String((error as { code: number }).code) });
    }
  });
});

describe('media.fetch', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

  it('WhatsApp: resolves the media id, then downloads with the token', async () => {
    graph.reset((req) =>
      req.path === '/v21.0/1074295367466520'
        ? {
            body: {
              url: `${graph.url}/whatsapp_business/attachments/?mid=1074295367466520&ext=1731790000&hash=ATtR`,
              mime_type: 'image/jpeg',
              sha256: 'r3Nz2JbKyD0JgTOkq6iMzwWQS4LyFVoGy0L9KBtNlVU=',
              file_size: png.length,
              id: '1074295367466520',
              messaging_product: 'whatsapp',
            },
          }
        : { headers: { 'content-type': 'image/jpeg' }, body: png },
    );
    const file = await whatsappCloud.media!.fetch('1074295367466520', wa, ctx);
    expect(file.data.equals(png)).toBe(true);
    expect(file.mimeType).toBe('image/jpeg');
    expect(graph.requests.map((r) => [r.method, r.path.split('?')[0], r.headers.authorization])).toEqual([
      ['GET', '/v21.0/1074295367466520', 'Bearer EAAG-secret-token'],
      ['GET', '/whatsapp_business/attachments/', 'Bearer EAAG-secret-token'],
    ]);
  });

  it('WhatsApp: an unknown or expired media id is permanent, a hanging download temporary', async () => {
    graph.reset(() => graphError(400, { message: "Unsupported get request. Object with ID '99' does not exist", code: 100, error_subcode: 33 }));
    expect(await failure(whatsappCloud.media!.fetch('99', wa, ctx))).toMatchObject({ category: 'permanent', code: '100' });

    graph.reset((req) => (req.path.startsWith('/v21.0/') ? { body: { url: `${graph.url}/slow`, mime_type: 'audio/ogg' } } : 'hang'));
    expect(await failure(whatsappCloud.media!.fetch('77', wa, ctx))).toMatchObject({ category: 'temporary', code: 'timeout' });

    expect(await failure(whatsappCloud.media!.fetch('../me', wa, ctx))).toMatchObject({ category: 'permanent', code: 'bad_media_id' });
  });

  it('Messenger/Instagram: downloads the CDN URL as is, without the token', async () => {
    graph.reset(() => ({ headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="terms.pdf"' }, body: png }));
    const url = `${graph.url}/v/t59.2708-21/465012345_terms.pdf?_nc_cat=1&oh=00_AY&oe=675A1B2C`;
    const file = await messenger.media!.fetch(url, fb, ctx);
    expect(file).toEqual({ data: png, mimeType: 'application/pdf', fileName: 'terms.pdf' });
    expect(graph.requests[0].path).toBe('/v/t59.2708-21/465012345_terms.pdf?_nc_cat=1&oh=00_AY&oe=675A1B2C');
    expect(graph.requests[0].headers.authorization).toBeUndefined();

    graph.reset(() => ({ status: 403, body: 'URL signature expired' }));
    expect(await failure(instagram.media!.fetch(url, ig, ctx))).toMatchObject({ category: 'permanent', code: 'http_403' });
    graph.reset(() => ({ status: 502 }));
    expect(await failure(instagram.media!.fetch(url, ig, ctx))).toMatchObject({ category: 'temporary' });
    expect(await failure(instagram.media!.fetch('1074295367466520', ig, ctx))).toMatchObject({ category: 'permanent', code: 'bad_media_url' });
  });
});
