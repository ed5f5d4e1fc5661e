// Fixtures follow https://www.twilio.com/docs/messaging/guides/webhook-request; signatures: https://www.twilio.com/docs/usage/webhooks/webhooks-security
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { MessageEvent, WebhookRequest } from '../types.js';
import { TwilioSmsCredentials } from './credentials.js';
import { twilioSms } from './index.js';

const AC = 'AC3f6a1c0e9b2d4f8a7c5e1b0d9f2a4c6e';
const creds = TwilioSmsCredentials.parse({ accountSid: AC, authToken: '9c1f2e3d4b5a69788a7b6c5d4e3f2a1b', fromNumber: '+14155550100' });
const RECEIVED = 1717430000000;
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8').trim();
const parse = (name: string) => twilioSms.parse({ body: fixture(name), contentType: 'application/x-www-form-urlencoded', receivedAt: RECEIVED }, creds);
const one = async (name: string) => {
  const events = await parse(name);
  expect(events).toHaveLength(1);
  return events[0];
};

describe('twilio parse', () => {
  it('inbound SMS', async () => {
    expect(await one('inbound-sms')).toEqual({
      type: 'message',
      externalId: 'SMb7c3e1f9a2d4065c8e1f7a3b9d2c4e6f',
      direction: 'in',
      contact: { externalId: '+14155550123', identifier: '+14155550123', identifierType: 'phone' },
      timestamp: RECEIVED,
      messageType: 'text',
      content: 'Hi, can I move my appointment to Friday at 3pm? 🙏',
      metadata: { to: '+14155550100', numSegments: 1, fromCountry: 'US' },
    });
  });

  it('MMS with two media: attachments by content type, type from the first', async () => {
    const e = (await one('inbound-mms')) as MessageEvent;
    const base = `https://api.twilio.com/2010-04-01/Accounts/${AC}/Messages/MM4e2a9c7b1d3f5e8a0c6b2d4f1e3a5c7b/Media`;
    expect(e).toMatchObject({ externalId: 'MM4e2a9c7b1d3f5e8a0c6b2d4f1e3a5c7b', messageType: 'image', content: 'Here is the receipt and the warranty' });
    expect(e.contact.identifier).toBe('+12125550188');
    expect(e.attachments).toEqual([
      { kind: 'image', source: `${base}/ME1c3e5a7b9d0f2e4a6c8b0d2f4e6a8c0b`, mimeType: 'image/jpeg' },
      { kind: 'file', source: `${base}/ME2d4f6b8c0e1a3f5b7d9c1e3a5f7b9d1c`, mimeType: 'application/pdf' },
    ]);
  });

  it('WhatsApp through Twilio: bare number as identifier, prefix kept for replies, profile name', async () => {
    const e = (await one('whatsapp-inbound')) as MessageEvent;
    expect(e.contact).toEqual({ externalId: 'whatsapp:+5511987654321', identifier: '+5511987654321', identifierType: 'phone', name: 'Ana Lima' });
    expect(e.metadata).toMatchObject({ channel: 'whatsapp', to: 'whatsapp:+14155238886' });
    expect(e.content).toBe('Olá! Meu pedido chegou?');
  });

  it.each([
    ['status-sent', 'sent'],
    ['status-delivered', 'delivered'],
  ])('%s -> %s', async (name, status) => {
    expect(await one(name)).toEqual({ type: 'status', externalId: 'SM8d2f4b6a1c3e5f7a9b0d2c4e6f8a1b3d', status, timestamp: RECEIVED });
  });

  it('undelivered 30003 is failed with a readable reason', async () => {
    expect(await one('status-undelivered')).toEqual({
      type: 'status',
      externalId: 'SM8d2f4b6a1c3e5f7a9b0d2c4e6f8a1b3d',
      status: 'failed',
      timestamp: RECEIVED,
      error: '30003: unreachable destination handset (off or out of coverage)',
    });
  });

  it('failed and canceled', async () => {
    expect(await one('status-failed')).toMatchObject({ status: 'failed', error: '30034: sender not registered for US A2P 10DLC' });
    expect(await one('status-canceled')).toMatchObject({ status: 'failed', error: 'canceled' });
  });

  it('WhatsApp read receipt', async () => {
    expect(await one('whatsapp-status-read')).toMatchObject({ type: 'status', externalId: 'SM6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a', status: 'read' });
  });

  it('intermediate states produce no event', async () => {
    expect(await parse('status-queued')).toEqual([]);
    const sending = fixture('status-queued').replaceAll('queued', 'sending');
    expect(await twilioSms.parse({ body: sending, receivedAt: RECEIVED }, creds)).toEqual([]);
  });

  it('an unknown status or a body without MessageSid is unsupported', async () => {
    const odd = fixture('status-sent').replaceAll('=sent', '=partially_delivered');
    expect(await twilioSms.parse({ body: odd, receivedAt: 0 }, creds)).toEqual([{ type: 'unsupported', reason: 'twilio message status partially_delivered is not handled' }]);
    expect(await twilioSms.parse({ body: 'Body=hi', receivedAt: 0 }, creds)).toEqual([{ type: 'unsupported', reason: 'twilio webhook without MessageSid' }]);
  });
});

describe('twilio webhook', () => {
  const URL_CALLED = 'https://hub.example.com/webhooks/twilio_sms/ch_7?source=sms';
  const body = fixture('inbound-sms');

  /** Twilio's algorithm by hand: URL + each param name and value sorted by name, HMAC-SHA1, base64. */
  function sign(url: string, form: string, token = creds.authToken) {
    const params = [...new URLSearchParams(form)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return createHmac('sha1', token).update(url + params.map(([k, v]) => k + v).join('')).digest('base64');
  }
  const req = (headers: Record<string, string>, over: Partial<WebhookRequest> = {}): WebhookRequest => ({
    method: 'POST',
    url: URL_CALLED,
    query: { source: 'sms' },
    headers,
    rawBody: Buffer.from(body),
    ...over,
  });
  const hook = twilioSms.webhook!;

  it('the hand-made signature is what the twilio package expects', () => {
    const params = Object.fromEntries(new URLSearchParams(body));
    expect(sign(URL_CALLED, body)).toBe(twilio.getExpectedTwilioSignature(creds.authToken, URL_CALLED, params));
  });

  it('accepts a genuine request', () => {
    expect(hook.verify(req({ 'x-twilio-signature': sign(URL_CALLED, body) }), creds)).toEqual({ kind: 'accept' });
  });

  it('rejects a tampered body, another URL, another token, or no signature', () => {
    const sig = sign(URL_CALLED, body);
    const tampered = Buffer.from(body.replace('Friday', 'Monday'));
    expect(hook.verify(req({ 'x-twilio-signature': sig }, { rawBody: tampered }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    expect(hook.verify(req({ 'x-twilio-signature': sig }, { url: 'https://hub.example.com/webhooks/twilio_sms/ch_8?source=sms' }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    expect(hook.verify(req({ 'x-twilio-signature': sign(URL_CALLED, body, 'another-token') }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    expect(hook.verify(req({}), creds)).toEqual({ kind: 'reject', status: 401, reason: 'missing x-twilio-signature' });
  });

  it('signs every value of a repeated parameter', () => {
    const form = 'MessageSid=SM1&Tag=b&Tag=a';
    // Twilio concatenates repeated values sorted: Tag + a, Tag + b.
    const sig = createHmac('sha1', creds.authToken).update(`${URL_CALLED}MessageSidSM1TagaTagb`).digest('base64');
    expect(hook.verify(req({ 'x-twilio-signature': sig }, { rawBody: Buffer.from(form) }), creds)).toEqual({ kind: 'accept' });
  });

  it('GET is answered with 405', () => {
    expect(hook.verify(req({}, { method: 'GET' }), creds)).toMatchObject({ kind: 'respond', status: 405 });
  });

  it('delivery ids tell the inbound message and each status apart', () => {
    expect(hook.bodyFormat).toBe('form');
    const id = (name: string) => hook.deliveryId!(req({}, { rawBody: Buffer.from(fixture(name)) }));
    expect(id('inbound-sms')).toBe('SMb7c3e1f9a2d4065c8e1f7a3b9d2c4e6f:received');
    expect(id('status-sent')).toBe('SM8d2f4b6a1c3e5f7a9b0d2c4e6f8a1b3d:sent');
    expect(id('status-delivered')).toBe('SM8d2f4b6a1c3e5f7a9b0d2c4e6f8a1b3d:delivered');
    expect(id('status-delivered')).toBe(id('status-delivered'));
  });
});
