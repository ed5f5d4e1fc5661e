// Against a local REST API double: https://www.twilio.com/docs/messaging/api/message-resource
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorContext, type OutboundMessage } from '../types.js';
import { TwilioSmsCredentials } from './credentials.js';
import { twilioSms } from './index.js';
import { startTwilioDouble, twilioError, type Handler, type Reply } from './rest-api-double.js';

const AC = 'AC3f6a1c0e9b2d4f8a7c5e1b0d9f2a4c6e';
const TOKEN = '9c1f2e3d4b5a69788a7b6c5d4e3f2a1b';
const ctx: ConnectorContext = { webhookUrl: 'https://hub.example.com/webhooks/twilio_sms/ch_7', fetch };
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  to: { externalId: '+14155550123', identifier: '+14155550123', identifierType: 'phone' },
  content: 'Friday at 3pm works, see you then!',
  messageType: 'text',
  ...over,
});

let double: Awaited<ReturnType<typeof startTwilioDouble>> | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});
async function setup(create?: Handler, cdnFiles: Record<string, Reply> = {}, token = TOKEN) {
  double = await startTwilioDouble(AC, TOKEN, { create }, cdnFiles);
  const creds = TwilioSmsCredentials.parse({ accountSid: AC, authToken: token, fromNumber: '+14155550100', apiBaseUrl: double.url });
  return { double, creds };
}
const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
};

describe('twilio send', () => {
  it('creates a Message through the twilio client, pointed at apiBaseUrl', async () => {
    const { double, creds } = await setup();
    expect(await twilioSms.send!.send(message(), creds, ctx)).toEqual({ externalId: `SM${'1'.padStart(32, '0')}` });
    expect(double.calls).toHaveLength(1);
    const [call] = double.calls;
    expect(call.method).toBe('POST');
    expect(call.path).toBe(`/2010-04-01/Accounts/${AC}/Messages.json`);
    expect(call.authorization).toBe(`Basic ${Buffer.from(`${AC}:${TOKEN}`).toString('base64')}`);
    expect(Object.fromEntries(call.form)).toEqual({
      To: '+14155550123',
      From: '+14155550100',
      Body: 'Friday at 3pm works, see you then!',
      StatusCallback: 'https://hub.example.com/webhooks/twilio_sms/ch_7',
    });
  });

  it('sends attachments as repeated MediaUrl', async () => {
    const { double, creds } = await setup();
    await twilioSms.send!.send(
      message({ content: '', messageType: 'image', attachments: [{ url: 'https://cdn.example.com/a.jpg' }, { url: 'https://cdn.example.com/b.pdf' }] }),
      creds,
      ctx,
    );
    const form = double.calls[0].form;
    expect(form.filter(([k]) => k === 'MediaUrl').map(([, v]) => v)).toEqual(['https://cdn.example.com/a.jpg', 'https://cdn.example.com/b.pdf']);
    expect(form.some(([k]) => k === 'Body')).toBe(false);
  });

  it('replies to a WhatsApp contact over WhatsApp', async () => {
    const { double, creds } = await setup();
    await twilioSms.send!.send(
      message({ to: { externalId: 'whatsapp:+5511987654321', identifier: '+5511987654321', identifierType: 'phone' } }),
      creds,
      ctx,
    );
    expect(Object.fromEntries(double.calls[0].form)).toMatchObject({ To: 'whatsapp:+5511987654321', From: 'whatsapp:+14155550100' });
  });

  const cases: [string, Reply, Partial<ConnectorError>][] = [
    ['400 21211', twilioError(400, 21211, "The 'To' number +1415555 is not a valid phone number."), { category: 'permanent', code: '21211', message: expect.stringContaining("not a valid phone number") }],
    ['400 21610', twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'), { category: 'permanent', code: '21610', message: expect.stringContaining('unsubscribed') }],
    ['429 20429', twilioError(429, 20429, 'Too Many Requests'), { category: 'rate_limited', code: '20429' }],
    ['500', twilioError(500, 20500, 'Internal Server Error'), { category: 'temporary' }],
    ['503 without body', { status: 503, body: Buffer.from('Service Unavailable') }, { category: 'temporary', code: '503' }],
  ];
  it.each(cases)('classifies %s', async (_name, reply, expected) => {
    const { creds } = await setup(() => reply);
    expect(await rejection(twilioSms.send!.send(message(), creds, ctx))).toMatchObject(expected);
  });

  it('a wrong auth token is an auth error (the double answers 401 / 20003)', async () => {
    const { creds } = await setup(undefined, {}, 'wrong-token');
    expect(await rejection(twilioSms.send!.send(message(), creds, ctx))).toMatchObject({ category: 'auth', code: '20003' });
  });

  it('an unreachable API is temporary', async () => {
    const { double, creds } = await setup();
    await double.close();
    expect(await rejection(twilioSms.send!.send(message(), creds, ctx))).toMatchObject({ category: 'temporary' });
  });
});

describe('twilio media', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  const source = `https://api.twilio.com/2010-04-01/Accounts/${AC}/Messages/MM4e2a9c7b1d3f5e8a0c6b2d4f1e3a5c7b/Media/ME1c3e5a7b9d0f2e4a6c8b0d2f4e6a8c0b`;

  it('rewrites api.twilio.com to apiBaseUrl, authenticates, follows the redirect without leaking credentials', async () => {
    const { double, creds } = await setup(undefined, {
      '/media/ME1c3e5a7b9d0f2e4a6c8b0d2f4e6a8c0b': { status: 200, body: jpeg, headers: { 'content-type': 'image/jpeg', 'content-disposition': 'inline; filename="receipt.jpg"' } },
    });
    expect(await twilioSms.media!.fetch(source, creds, ctx)).toEqual({ data: jpeg, mimeType: 'image/jpeg', fileName: 'receipt.jpg' });
    expect(double.calls.map((c) => [c.method, c.path, c.authorization?.startsWith('Basic ')])).toEqual([
      ['GET', new URL(source).pathname, true],
    ]);
    expect(double.cdnCalls).toHaveLength(1);
    expect(double.cdnCalls[0].path).toBe('/media/ME1c3e5a7b9d0f2e4a6c8b0d2f4e6a8c0b?X-Amz-Signature=abc');
    expect(double.cdnCalls[0].authorization).toBeUndefined();
  });

  it('missing media is permanent, bad credentials are auth', async () => {
    const { creds } = await setup();
    expect(await rejection(twilioSms.media!.fetch(source, creds, ctx))).toMatchObject({ category: 'permanent', code: '404' });
    const wrong = { ...creds, authToken: 'nope' };
    expect(await rejection(twilioSms.media!.fetch(source, wrong, ctx))).toMatchObject({ category: 'auth', code: '401' });
  });

  it('with the hub\'s guard, connects to apiBaseUrl only through it: a name resolves by the guard, a refused address gets nothing', async () => {
    const { SafeFetcher, parseNetworks } = await import('../../src/security/safe-fetch.js');
    const { double, creds } = await setup();
    const port = new URL(double.url).port;
    const asked: string[] = [];
    const guarded = new SafeFetcher({ allow: parseNetworks('127.0.0.1'), maxBytes: 1 << 20, timeoutMs: 5000, lookup: async (host) => {
      asked.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    } });
    const guardedCtx: ConnectorContext = { ...ctx, fetch: guarded.fetch, guard: guarded };
    // A name: the SDK's connection resolves it through the guard (the injected resolver answers, no DNS).
    const named = TwilioSmsCredentials.parse({ ...creds, apiBaseUrl: `http://twilio-double.localhost:${port}` });
    expect((await twilioSms.send!.send(message(), named, guardedCtx)).externalId).toMatch(/^SM/);
    expect(asked.filter((h) => h === 'twilio-double.localhost').length).toBeGreaterThanOrEqual(2); // the check, then the connection
    expect(double.calls).toHaveLength(1);
    // Loopback not allowed: refused for good, before any request.
    const strict = new SafeFetcher({ maxBytes: 1 << 20, timeoutMs: 5000 });
    const strictCtx: ConnectorContext = { ...ctx, fetch: strict.fetch, guard: strict };
    for (const base of [double.url, `http://[::ffff:127.0.0.1]:${port}`]) {
      const err = await rejection(twilioSms.send!.send(message(), TwilioSmsCredentials.parse({ ...creds, apiBaseUrl: base }), strictCtx));
      expect(err).toMatchObject({ category: 'permanent', code: 'unsafe_url' });
    }
    expect(double.calls).toHaveLength(1);
    await guarded.close();
    await strict.close();
  });
});
