// Fixtures follow https://core.telegram.org/bots/api#update; secret token: https://core.telegram.org/bots/api#setwebhook
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageEvent, WebhookRequest } from '../types.js';
import { telegram } from './index.js';
import { TelegramCredentials } from './credentials.js';

const creds = TelegramCredentials.parse({ botToken: '7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq', secretToken: 'hub_secret-TOKEN_123' });
const RECEIVED = 1717430000000;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');
const parse = (name: string) => telegram.parse({ body: fixture(name), contentType: 'application/json', receivedAt: RECEIVED }, creds);
const one = async (name: string) => {
  const events = await parse(name);
  expect(events).toHaveLength(1);
  return events[0];
};

const maria = { externalId: '5132457788', identifier: '@maria_souza', identifierType: 'social', name: 'Maria Souza' };

describe('telegram parse', () => {
  it('text message', async () => {
    expect(await one('text')).toEqual({
      type: 'message',
      externalId: '5132457788:1042',
      direction: 'in',
      contact: maria,
      timestamp: 1717426801000,
      messageType: 'text',
      content: 'Hi! Is my order #4521 on its way?',
      metadata: { chatType: 'private' },
    });
  });

  it('photo: the largest size, caption as content', async () => {
    const e = (await one('photo-caption')) as MessageEvent;
    expect(e.messageType).toBe('image');
    expect(e.content).toBe('The box arrived damaged');
    expect(e.attachments).toEqual([
      {
        kind: 'image',
        source: 'AgACAgQAAxkBAAIEE2Zd3vL8Yl1aRtkJ0Cw1y8QeQm3sAAKsvzEb4Y3xUm9tCm7ap-0cAQADAgADeQADNQQ',
        mimeType: 'image/jpeg',
        fileSize: 181942,
      },
    ]);
  });

  it('document keeps file name, type and size', async () => {
    const e = (await one('document')) as MessageEvent;
    expect(e.messageType).toBe('file');
    expect(e.content).toBe('');
    expect(e.attachments).toEqual([
      { kind: 'file', source: 'BQACAgQAAxkBAAIEFGZd3zXq2Vh4Qb3o9m1LkT7hHc0pAAKzFAAC4Y3xUkW2tmJ6tZQbNQQ', fileName: 'invoice-4521.pdf', mimeType: 'application/pdf', fileSize: 48213 },
    ]);
  });

  it('voice note is audio', async () => {
    const e = (await one('voice')) as MessageEvent;
    expect(e.messageType).toBe('audio');
    expect(e.attachments?.[0]).toMatchObject({ kind: 'audio', mimeType: 'audio/ogg', fileSize: 28114 });
    expect(e.metadata).toMatchObject({ voice: true });
  });

  it('video with caption', async () => {
    const e = (await one('video')) as MessageEvent;
    expect(e.messageType).toBe('video');
    expect(e.content).toBe('Look at the corner');
    expect(e.attachments).toEqual([
      { kind: 'video', source: 'BAACAgQAAxkBAAIEFmZd36lKt1xvJ9MdbQuy0OyZtl8BAAK1FAAC4Y3xUndFpNRNxdqxNQQ', fileName: 'unboxing.mp4', mimeType: 'video/mp4', fileSize: 2318877 },
    ]);
  });

  it('sticker: image with its emoji', async () => {
    const e = (await one('sticker')) as MessageEvent;
    expect(e.messageType).toBe('image');
    expect(e.content).toBe('👍');
    expect(e.attachments?.[0]).toMatchObject({ kind: 'sticker', mimeType: 'image/webp', source: expect.stringMatching(/^CAAC/) });
    expect(e.metadata?.sticker).toEqual({ emoji: '👍', setName: 'HotCherry', animated: false, video: false });
  });

  it('location and venue', async () => {
    const loc = (await one('location')) as MessageEvent;
    expect(loc).toMatchObject({ messageType: 'location', content: '-23.561414,-46.655881', metadata: { latitude: -23.561414, longitude: -46.655881 } });
    const venue = (await one('venue')) as MessageEvent;
    expect(venue.messageType).toBe('location');
    expect(venue.content).toBe('MASP, Av. Paulista, 1578 - Bela Vista, São Paulo');
    expect(venue.metadata).toMatchObject({ latitude: -23.561414, longitude: -46.655881, venue: { title: 'MASP' } });
  });

  it('shared contact becomes a text summary with metadata', async () => {
    const e = (await one('contact')) as MessageEvent;
    expect(e.messageType).toBe('text');
    expect(e.content).toBe('Contact: Maria Souza, +5511987654321');
    expect(e.metadata?.contact).toMatchObject({ phoneNumber: '+5511987654321', userId: 5132457788 });
  });

  it('edited_message is an edit of the same message id', async () => {
    expect(await one('edited-message')).toEqual({
      type: 'edit',
      externalId: '5132457788:1042',
      content: 'Hi! Is my order #4512 on its way?',
      timestamp: 1717427290000,
    });
  });

  it('callback_query is a text message carrying the button data', async () => {
    expect(await one('callback-query')).toEqual({
      type: 'message',
      externalId: 'cbq:2204254375384914931',
      direction: 'in',
      contact: maria,
      timestamp: RECEIVED,
      messageType: 'text',
      content: 'csat:yes',
      metadata: { callbackQuery: { id: '2204254375384914931', data: 'csat:yes', messageExternalId: '5132457788:1050' } },
    });
  });

  it('channel_post: the channel is the contact', async () => {
    const e = (await one('channel-post')) as MessageEvent;
    expect(e).toMatchObject({
      externalId: '-1001987654321:77',
      direction: 'in',
      contact: { externalId: '-1001987654321', identifier: '@acme_news', identifierType: 'social', name: 'Acme Announcements' },
      content: 'Scheduled maintenance tonight 23:00-01:00 UTC',
      metadata: { chatType: 'channel' },
    });
  });

  it("the bot's own message is an outgoing echo (synthetic fixture)", async () => {
    const e = (await one('bot-echo')) as MessageEvent;
    expect(e.direction).toBe('out');
    expect(e.contact.externalId).toBe('5132457788');
  });

  it('message_reaction becomes a reaction on the target message', async () => {
    expect(await one('message-reaction')).toEqual({
      type: 'reaction',
      targetExternalId: '5132457788:2001',
      contact: maria,
      emoji: '❤',
      timestamp: 1717427600000,
    });
  });

  it('my_chat_member is unsupported', async () => {
    expect(await one('my-chat-member')).toEqual({ type: 'unsupported', reason: 'telegram update kind my_chat_member is not handled' });
  });

  it('a service message without content is unsupported, not a blank message', async () => {
    const body = JSON.stringify({ update_id: 1, message: { message_id: 9, date: 1, chat: { id: -100, type: 'supergroup', title: 'G' }, new_chat_title: 'New' } });
    const [e] = await telegram.parse({ body, receivedAt: 0 }, creds);
    expect(e).toEqual({ type: 'unsupported', reason: 'telegram message without supported content (new_chat_title)' });
  });
});

describe('telegram webhook', () => {
  const body = Buffer.from(fixture('text'));
  const req = (headers: Record<string, string>, method: 'GET' | 'POST' = 'POST'): WebhookRequest => ({
    method,
    url: 'https://hub.example.com/webhooks/telegram/ch_1',
    query: {},
    headers,
    rawBody: body,
  });
  const hook = telegram.webhook!;

  it('accepts the configured secret token', () => {
    expect(hook.verify(req({ 'x-telegram-bot-api-secret-token': 'hub_secret-TOKEN_123' }), creds)).toEqual({ kind: 'accept' });
  });
  it('rejects a wrong or missing token with 401', () => {
    expect(hook.verify(req({ 'x-telegram-bot-api-secret-token': 'hub_secret-TOKEN_124' }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    expect(hook.verify(req({ 'x-telegram-bot-api-secret-token': 'short' }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    expect(hook.verify(req({}), creds)).toMatchObject({ kind: 'reject', status: 401 });
  });
  it('answers GET with 405 and queues nothing', () => {
    expect(hook.verify(req({}, 'GET'), creds)).toMatchObject({ kind: 'respond', status: 405 });
  });
  it('delivery id is the update id', () => {
    expect(hook.bodyFormat).toBe('json');
    expect(hook.deliveryId!(req({}))).toBe('update:834562001');
    expect(hook.deliveryId!({ ...req({}), rawBody: Buffer.from('{') })).toBeUndefined();
  });
});
