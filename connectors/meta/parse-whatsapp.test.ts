import { describe, it, expect } from 'vitest';
import { ConnectorError, type NormalizedEvent } from '../types.js';
import { whatsappCloud } from './whatsapp-cloud.js';
import { WhatsAppCloudCredentials } from './credentials.js';
import { fixture, fixtureNames, RECEIVED_AT } from './test-support.js';

const creds = WhatsAppCloudCredentials.parse({ phoneNumberId: '106540352242922', accessToken: 'EAAG-test', appSecret: 'app-secret' });
const parse = (name: string) => whatsappCloud.parse(fixture(name), creds) as NormalizedEvent[];

const kerry = { externalId: '16505551234', identifier: '+16505551234', identifierType: 'phone', name: 'Kerry Fisher' } as const;
const inbound = (externalId: string, seconds: number) =>
  ({ type: 'message', externalId, direction: 'in', contact: kerry, timestamp: seconds * 1000 }) as const;
const OUT_ID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQ0QkY0QjQ3NzlGQkYyMjUA';

const expected: Record<string, NormalizedEvent[]> = {
  'whatsapp-text.json': [
    { ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUFCMTk2QTY0QTE2NzY3RDk4NQA=', 1731700800), messageType: 'text', content: 'Olá! Do you ship to Lisbon? 🚚' },
  ],
  'whatsapp-image.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTZFQjBGRjYxMUI3QjI3NzRFOQA=', 1731700860),
      messageType: 'image',
      content: 'The broken part',
      attachments: [{ kind: 'image', source: '1074295367466520', mimeType: 'image/jpeg' }],
    },
  ],
  'whatsapp-document.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTE4RDc5NjVFNkYwMjQ3QzBFMgA=', 1731700920),
      messageType: 'file',
      content: 'Invoice for October',
      attachments: [{ kind: 'file', source: '1580723585882117', mimeType: 'application/pdf', fileName: 'invoice-2024-10.pdf' }],
    },
  ],
  'whatsapp-audio-voice.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUY0NjlCNDc1QjYzRkM1QzRCMQA=', 1731700980),
      messageType: 'audio',
      content: '',
      metadata: { voice: true },
      attachments: [{ kind: 'audio', source: '928374650192837', mimeType: 'audio/ogg; codecs=opus' }],
    },
  ],
  'whatsapp-video.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTM0QkE3RUE1NkQxMDZGNjE4NgA=', 1731701040),
      messageType: 'video',
      content: 'It makes this noise',
      attachments: [{ kind: 'video', source: '812650931547218', mimeType: 'video/mp4' }],
    },
  ],
  'whatsapp-sticker.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI4QTA0NDdDMUQ0NjQ5QjZBNgA=', 1731701100),
      messageType: 'image',
      content: '',
      metadata: { sticker: true },
      attachments: [{ kind: 'sticker', source: '1227829768162607', mimeType: 'image/webp' }],
    },
  ],
  'whatsapp-location.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUMzNzBCQTRBNDkwQzI5MkJEQQA=', 1731701160),
      messageType: 'location',
      content: 'Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025',
      metadata: {
        latitude: 37.483253,
        longitude: -122.148274,
        name: 'Meta Headquarters',
        address: '1 Hacker Way, Menlo Park, CA 94025',
        url: 'https://meta.com',
      },
    },
  ],
  'whatsapp-contacts.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUQ1RjE0RjRCMDg1NkZBQzM0NwA=', 1731701220),
      messageType: 'text',
      content: 'Pablo Morales (+1 (940) 555-1234)',
      metadata: {
        contacts: [
          expect.objectContaining({
            name: { first_name: 'Pablo', last_name: 'Morales', formatted_name: 'Pablo Morales' },
            phones: [{ phone: '+1 (940) 555-1234', wa_id: '19405551234', type: 'WORK' }],
          }),
        ],
      },
    },
  ],
  'whatsapp-interactive-button-reply.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUUwQzY4RjRFNjRGMDhGRkQ3MgA=', 1731701280),
      messageType: 'text',
      content: 'Change',
      metadata: { replyTo: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', reply: { id: 'change-button', title: 'Change' } },
    },
  ],
  'whatsapp-interactive-list-reply.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUYxNkQ3RDFGRjk0NjI0RTdBOAA=', 1731701340),
      messageType: 'text',
      content: 'Priority Mail Express',
      metadata: {
        replyTo: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJCNUI3QkIyMUFDQjRDMDU2OEQA',
        reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
      },
    },
  ],
  'whatsapp-button.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTk3MTkzRDIzQjAxNDBCRUE0RgA=', 1731701400),
      messageType: 'text',
      content: 'Unsubscribe from Promos',
      metadata: {
        replyTo: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3NDQ2RUVDQzZBOTcxRjQ2MEQA',
        reply: { id: 'Unsubscribe from Promos', title: 'Unsubscribe from Promos' },
      },
    },
  ],
  'whatsapp-reaction.json': [
    { type: 'reaction', targetExternalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', contact: kerry, emoji: '👍', timestamp: 1731701460000 },
    { type: 'reaction', targetExternalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', contact: kerry, emoji: '', timestamp: 1731701520000 },
  ],
  'whatsapp-unsupported.json': [
    {
      type: 'unsupported',
      reason: 'whatsapp message type "unsupported" is not supported: Message type unknown (131051): Message type is currently not supported.',
    },
  ],
  'whatsapp-status-sent.json': [{ type: 'status', externalId: OUT_ID, status: 'sent', timestamp: 1731702000000, contactExternalId: kerry.externalId }],
  'whatsapp-status-delivered.json': [{ type: 'status', externalId: OUT_ID, status: 'delivered', timestamp: 1731702002000, contactExternalId: kerry.externalId }],
  'whatsapp-status-read.json': [{ type: 'status', externalId: OUT_ID, status: 'read', timestamp: 1731702090000, contactExternalId: kerry.externalId }],
  'whatsapp-status-failed.json': [
    {
      type: 'status',
      externalId: OUT_ID,
      status: 'failed',
      timestamp: 1731702005000,
      contactExternalId: kerry.externalId,
      error:
        'Re-engagement message (131047): Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    },
  ],
  'whatsapp-batched.json': [
    {
      ...inbound('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJBVENIMDAwMDAwMDAwMDAxAA==', 1731703000),
      messageType: 'text',
      content: 'Following up on my order',
      metadata: { replyTo: OUT_ID },
    },
    {
      type: 'message',
      externalId: 'wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBQkFUQ0gwMDAwMDAwMDAwMDIA',
      direction: 'in',
      contact: { externalId: '5511987654321', identifier: '+5511987654321', identifierType: 'phone', name: 'João Silva' },
      timestamp: 1731703001000,
      messageType: 'text',
      content: 'Bom dia!',
    },
    // Out of order on purpose: the read arrives before the delivered.
    { type: 'status', externalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkFUQ0hPVVQwMDAwMDAwMQA=', status: 'read', timestamp: 1731703005000, contactExternalId: kerry.externalId },
    { type: 'status', externalId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkFUQ0hPVVQwMDAwMDAwMQA=', status: 'delivered', timestamp: 1731703002000, contactExternalId: kerry.externalId },
    { type: 'unsupported', reason: 'whatsapp status "deleted" for wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBQkFUQ0hPVVQwMDAwMDAwMgA= is not handled' },
    // Another phone number of the same app: not this channel's, kept as unsupported with the reason.
    { type: 'unsupported', reason: "whatsapp change for phone number id 113269274970227, not this channel's (106540352242922)" },
    { type: 'unsupported', reason: 'whatsapp webhook field "message_template_status_update" is not handled' },
  ],
};

describe('whatsappCloud.parse: recorded payloads', () => {
  for (const [name, events] of Object.entries(expected)) {
    it(name, () => {
      expect(parse(name)).toEqual(events);
    });
  }
});

describe('whatsappCloud.parse: odd shapes', () => {
  const raw = (body: unknown) => ({ body: typeof body === 'string' ? body : JSON.stringify(body), receivedAt: RECEIVED_AT });
  const value = (v: object) => ({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, ...v } }] }],
  });

  it('throws a permanent ConnectorError only on a body that is not JSON', () => {
    expect(() => whatsappCloud.parse(raw('{"object": "whatsapp_business_account", '), creds)).toThrow(ConnectorError);
    for (const body of ['null', '[]', '"text"', '{}', '{"object":"page","entry":[]}']) {
      expect(whatsappCloud.parse(raw(body), creds)).toEqual([{ type: 'unsupported', reason: expect.any(String) }]);
    }
  });

  it('keeps unknown message types, interactive kinds and malformed messages as unsupported', () => {
    const events = whatsappCloud.parse(
      raw(
        value({
          contacts: [{ wa_id: '1555', profile: { name: 'X' } }],
          messages: [
            { from: '1555', id: 'wamid.a', timestamp: '1', type: 'order', order: { catalog_id: '1' } },
            { from: '1555', id: 'wamid.b', timestamp: '1', type: 'interactive', interactive: { type: 'product_reply' } },
            { from: '1555', timestamp: '1', type: 'text', text: { body: 'no id' } },
            { from: '1555', id: 'wamid.c', timestamp: '1', type: 'image', image: {} },
            { from: '1555', id: 'wamid.d', timestamp: '1', type: 'toString' },
          ],
        }),
      ),
      creds,
    );
    expect(events).toEqual([
      { type: 'unsupported', reason: 'whatsapp message type "order" is not supported' },
      { type: 'unsupported', reason: 'whatsapp interactive reply "product_reply" is not supported' },
      { type: 'unsupported', reason: 'whatsapp text message without id or sender' },
      { type: 'unsupported', reason: 'whatsapp image message wamid.c without a media id' },
      { type: 'unsupported', reason: 'whatsapp message type "toString" is not supported' },
    ]);
  });

  it('maps a flow reply, a number change and a forwarded message without contacts[]', () => {
    const events = whatsappCloud.parse(
      raw(
        value({
          messages: [
            {
              from: '1555',
              id: 'wamid.f',
              timestamp: '1700000000',
              type: 'interactive',
              interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"size":"M"}' } },
            },
            { from: '1555', id: 'wamid.s', timestamp: '1700000001', type: 'system', system: { body: 'User changed number', wa_id: '1666', type: 'user_changed_number' } },
            { from: '1555', id: 'wamid.t', timestamp: '1700000002', type: 'text', text: { body: 'fw' }, context: { forwarded: true } },
          ],
        }),
      ),
      creds,
    );
    const contact = { externalId: '1555', identifier: '+1555', identifierType: 'phone' };
    expect(events).toEqual([
      { type: 'message', externalId: 'wamid.f', direction: 'in', contact, timestamp: 1700000000000, messageType: 'text', content: 'Sent', metadata: { flowResponse: { size: 'M' } } },
      {
        type: 'message',
        externalId: 'wamid.s',
        direction: 'in',
        contact,
        timestamp: 1700000001000,
        messageType: 'system',
        content: 'User changed number',
        metadata: { system: { type: 'user_changed_number', newWaId: '1666' } },
      },
      { type: 'message', externalId: 'wamid.t', direction: 'in', contact, timestamp: 1700000002000, messageType: 'text', content: 'fw', metadata: { forwarded: true } },
    ]);
  });

  it('reports a change with neither messages nor statuses, and value-level errors', () => {
    expect(whatsappCloud.parse(raw(value({ contacts: [] })), creds)).toEqual([
      { type: 'unsupported', reason: 'whatsapp change without messages or statuses' },
    ]);
    expect(whatsappCloud.parse(raw(value({ errors: [{ code: 131008, title: 'Required parameter is missing' }] })), creds)).toEqual([
      { type: 'unsupported', reason: 'whatsapp error: Required parameter is missing (131008)' },
    ]);
  });
});

describe('fixtures', () => {
  it('covers every whatsapp-* fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureNames().filter((f) => f.startsWith('whatsapp-')).sort());
  });
});
