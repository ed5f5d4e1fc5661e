import { describe, it, expect } from 'vitest';
import type { NormalizedEvent } from '../types.js';
import { messenger } from './messenger.js';
import { instagram } from './instagram.js';
import { InstagramCredentials, MessengerCredentials } from './credentials.js';
import { fixture, fixtureNames, RECEIVED_AT } from './test-support.js';

const common = { accessToken: 'EAAG-test', appSecret: 'app-secret' };
const fbCreds = MessengerCredentials.parse({ pageId: '104523928612345', ...common });
const igCreds = InstagramCredentials.parse({ accountId: '17841405822304914', ...common });

const PSID = '6945468168838584';
const IGSID = '1284751937712345';
const social = (id: string) => ({ externalId: id, identifier: id, identifierType: 'social' }) as const;
const ECHO_MID = 'm_eCHo0Kc2d1UqB7q8mE0V2b4Xn5Y7zP9aR1sT3uV5wX7yZ9aB1cD3eF5gH7iJ9kL1mN3oP5qR7sT9uV1wX3yZ5a';
const IG_ECHO_MID =
  'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxMzY0NDg1MjMyNTk3NjYwMDY3MDc4OTc3NDg0OAZDZD';
const IG_MID =
  'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxMjQ3MzA0NDQ0ODg5NzQ1ODk2NDYyNzgzODE0NAZDZD';
const igCdn = (asset: string, sig: string) => `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=${asset}&signature=${sig}`;

const messengerExpected: Record<string, NormalizedEvent[]> = {
  'messenger-text.json': [
    {
      type: 'message',
      externalId: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
      direction: 'in',
      contact: social(PSID),
      timestamp: 1731704000000,
      messageType: 'text',
      content: 'Hi! Is the blue jacket still available?',
    },
  ],
  'messenger-image.json': [
    {
      type: 'message',
      externalId: 'm_Nq0c4Sx0n6kGhsB4UO0Wv8Wl3N0Vw7kqj1m9Xy2L8r5XoZK1c6o2P7cB9n5t3qH4rD3vF7aG1hE6jK2lM8nP0a',
      direction: 'in',
      contact: social(PSID),
      timestamp: 1731704060000,
      messageType: 'image',
      content: '',
      metadata: { sticker: true },
      attachments: [
        { kind: 'image', source: expect.stringMatching(/^https:\/\/scontent\.xx\.fbcdn\.net\/v\/t1\.15752-9\/465012345_/) },
        { kind: 'sticker', source: expect.stringMatching(/^https:\/\/scontent\.xx\.fbcdn\.net\/v\/t39\.1997-6\/39178562_/) },
      ],
    },
  ],
  'messenger-echo.json': [
    {
      type: 'message',
      externalId: ECHO_MID,
      direction: 'out',
      contact: social(PSID),
      timestamp: 1731704120000,
      messageType: 'text',
      content: 'Yes, it is! Size M or L?',
      metadata: { appId: '263902037430900' },
    },
  ],
  'messenger-delivery.json': [
    { type: 'status', externalId: ECHO_MID, status: 'delivered', timestamp: 1731704125000, contactExternalId: PSID },
    { type: 'watermark', contactExternalId: PSID, status: 'delivered', upTo: 1731704121000 },
  ],
  'messenger-read.json': [{ type: 'watermark', contactExternalId: PSID, status: 'read', upTo: 1731704121000 }],
  'messenger-postback.json': [
    {
      type: 'message',
      externalId: 'm_PoStBaCk1a2b3c4d5e6f7g8h9i0jKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123',
      direction: 'in',
      contact: social(PSID),
      timestamp: 1731704250000,
      messageType: 'text',
      content: 'Talk to a human',
      metadata: { postback: 'HUMAN_AGENT' },
    },
    {
      type: 'message',
      externalId: `postback:${PSID}:1731704260000`,
      direction: 'in',
      contact: social(PSID),
      timestamp: 1731704260000,
      messageType: 'text',
      content: 'Get Started',
      metadata: { postback: 'GET_STARTED' },
    },
  ],
  'messenger-reaction.json': [
    { type: 'reaction', targetExternalId: ECHO_MID, contact: social(PSID), emoji: '❤️', timestamp: 1731704300000 },
    { type: 'reaction', targetExternalId: ECHO_MID, contact: social(PSID), emoji: '', timestamp: 1731704310000 },
  ],
  'messenger-standby.json': [
    {
      type: 'message',
      externalId: 'm_StAnDbY9z8y7x6w5v4u3t2s1r0qPoNmLkJiHgFeDcBa9876543210ZyXwVuTsRqPoNmLkJiHgFeDcBa987654',
      direction: 'in',
      contact: social(PSID),
      timestamp: 1731704400000,
      messageType: 'text',
      content: 'Are you a bot?',
      metadata: { standby: true },
    },
  ],
};

const instagramExpected: Record<string, NormalizedEvent[]> = {
  'instagram-text.json': [
    { type: 'message', externalId: IG_MID, direction: 'in', contact: social(IGSID), timestamp: 1731705000210, messageType: 'text', content: 'Love your new collection 😍' },
  ],
  'instagram-image.json': [
    {
      type: 'message',
      externalId:
        'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxMjU5MTE1MTgyNzQ4NDc3OTUwMDA5MTMxMTIzMgZDZD',
      direction: 'in',
      contact: social(IGSID),
      timestamp: 1731705060210,
      messageType: 'image',
      content: '',
      attachments: [
        {
          kind: 'image',
          source: igCdn('18049522810952381', 'AbxR5x0oQd2J3nT9b8vW0cXk7yq6m1s4P2rL8uZ5fJ3hG9kE0tY7wN1aV6iC4oB2dF8gH5jK3lM9nQ0pR7sT1uW'),
        },
      ],
    },
  ],
  'instagram-echo.json': [
    {
      type: 'message',
      externalId:
        'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxMzY0NDg1MjMyNTk3NjYwMDY3MDc4OTc3NDg0OAZDZD',
      direction: 'out',
      contact: social(IGSID),
      timestamp: 1731705120540,
      messageType: 'text',
      content: 'Thank you! Which piece caught your eye?',
    },
  ],
  'instagram-story-mention-share.json': [
    {
      type: 'message',
      externalId:
        'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxNDMxNzE3MTY3MjkwNDYxOTcxMDg4Mjc1NDU2MAZDZD',
      direction: 'in',
      contact: social(IGSID),
      timestamp: 1731705180120,
      messageType: 'image',
      content: '',
      metadata: { storyMention: true },
      attachments: [{ kind: 'image', source: expect.stringContaining('asset_id=17895695668004550') }],
    },
    {
      type: 'message',
      externalId:
        'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxNDQyMTA1MDU3MzcyNTkwNTU4NzkxNzI2NjE3NgZDZD',
      direction: 'in',
      contact: social(IGSID),
      timestamp: 1731705240120,
      messageType: 'image',
      content: '',
      metadata: { share: true },
      attachments: [{ kind: 'image', source: expect.stringContaining('asset_id=18321567890123456') }],
    },
    {
      type: 'message',
      externalId:
        'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjA0MTAwNTYwMTM1MjY2ODozMjAwNjgxNDUyMjA4MDY4ODI2MzY1OTI4NDc5ODk2MzIwMAZDZD',
      direction: 'in',
      contact: social(IGSID),
      timestamp: 1731705300120,
      messageType: 'text',
      content: 'Where can I buy this?',
      metadata: { storyReply: { id: '17998765432109876', url: igCdn('17998765432109876', 'AbyStory') } },
    },
  ],
  'instagram-reaction.json': [
    { type: 'reaction', targetExternalId: IG_ECHO_MID, contact: social(IGSID), emoji: '❤️', timestamp: 1731705360120 },
  ],
  'instagram-read.json': [{ type: 'status', externalId: IG_ECHO_MID, status: 'read', timestamp: 1731705420120, contactExternalId: IGSID }],
  'instagram-deleted.json': [{ type: 'delete', externalId: IG_MID, timestamp: 1731705480120, contactExternalId: IGSID }],
  'instagram-test-event.json': [
    {
      type: 'message',
      externalId: 'random_mid',
      direction: 'in',
      contact: social('12334'),
      timestamp: 1527459824000,
      messageType: 'text',
      content: 'random_text',
      metadata: { test: true },
    },
    { type: 'unsupported', reason: 'instagram message without mid or user id' },
    { type: 'unsupported', reason: 'instagram webhook field "comments" is not handled' },
  ],
};

describe('messenger.parse: recorded payloads', () => {
  for (const [name, events] of Object.entries(messengerExpected)) {
    it(name, () => expect(messenger.parse(fixture(name), fbCreds)).toEqual(events));
  }
});

describe('instagram.parse: recorded payloads', () => {
  for (const [name, events] of Object.entries(instagramExpected)) {
    it(name, () => expect(instagram.parse(fixture(name), igCreds)).toEqual(events));
  }
});

describe('messaging parse: odd shapes', () => {
  const raw = (body: unknown) => ({ body: JSON.stringify(body), receivedAt: RECEIVED_AT });
  const page = (messaging: object[]) => ({ object: 'page', entry: [{ id: '1', time: 1, messaging }] });
  const user = { sender: { id: '42' }, recipient: { id: '1' }, timestamp: 1700000000000 };

  it('maps location, link cards, templates and unknown attachments', () => {
    const events = messenger.parse(
      raw(
        page([
          { ...user, message: { mid: 'm.loc', attachments: [{ type: 'location', title: 'Pinned', payload: { coordinates: { lat: 38.7, long: -9.1 } } }] } },
          { ...user, message: { mid: 'm.link', text: 'look', attachments: [{ type: 'fallback', title: 'Docs', url: 'https://example.com/d', payload: null }] } },
          { ...user, message: { mid: 'm.doc', attachments: [{ type: 'ig_post', payload: { url: 'https://cdn.example/x' } }] } },
          { ...user, message: { mid: 'm.heart', attachments: [{ type: 'like_heart' }] } },
          { ...user, message: { mid: 'm.empty' } },
          { ...user, message: { mid: 'm.u', is_unsupported: true } },
        ]),
      ),
      fbCreds,
    );
    const base = { type: 'message', direction: 'in', contact: social('42'), timestamp: 1700000000000 };
    expect(events).toEqual([
      { ...base, externalId: 'm.loc', messageType: 'location', content: 'Pinned', metadata: { latitude: 38.7, longitude: -9.1, name: 'Pinned' } },
      { ...base, externalId: 'm.link', messageType: 'text', content: 'look', metadata: { link: { url: 'https://example.com/d', title: 'Docs' } } },
      {
        ...base,
        externalId: 'm.doc',
        messageType: 'file',
        content: '',
        metadata: { attachmentType: 'ig_post' },
        attachments: [{ kind: 'file', source: 'https://cdn.example/x' }],
      },
      { ...base, externalId: 'm.heart', messageType: 'text', content: '', metadata: { unhandledAttachment: 'like_heart' } },
      { type: 'unsupported', reason: 'page message m.empty has neither text nor attachments' },
      { type: 'unsupported', reason: 'page message m.u is of a type the API does not expose' },
    ]);
  });

  it('gives a postback with an empty mid the id a postback without one gets', () => {
    const events = messenger.parse(raw(page([{ ...user, postback: { title: 'Talk to a human', payload: 'HUMAN_AGENT', mid: '' } }])), fbCreds);
    expect(events).toEqual([
      { type: 'message', externalId: 'postback:42:1700000000000', direction: 'in', contact: social('42'), timestamp: 1700000000000, messageType: 'text', content: 'Talk to a human', metadata: { postback: 'HUMAN_AGENT' } },
    ]);
  });

  it('maps edits and quick replies, and keeps unknown events and objects as unsupported', () => {
    const events = messenger.parse(
      raw(
        page([
          { ...user, message: { mid: 'm.q', text: 'Red', quick_reply: { payload: 'COLOR_RED' }, reply_to: { mid: 'm.prev' } } },
          { ...user, message_edit: { mid: 'm.q', text: 'Blue', num_edit: 1 } },
          { ...user, optin: { type: 'notification_messages', payload: 'x' } },
          { ...user },
        ]),
      ),
      fbCreds,
    );
    expect(events).toEqual([
      {
        type: 'message',
        externalId: 'm.q',
        direction: 'in',
        contact: social('42'),
        timestamp: 1700000000000,
        messageType: 'text',
        content: 'Red',
        metadata: { replyTo: 'm.prev', quickReply: 'COLOR_RED' },
      },
      { type: 'edit', externalId: 'm.q', content: 'Blue', timestamp: 1700000000000, contactExternalId: '42' },
      { type: 'unsupported', reason: 'page event "optin" is not handled' },
      { type: 'unsupported', reason: 'page event "empty" is not handled' },
    ]);
    expect(instagram.parse(raw({ object: 'user', entry: [] }), igCreds)).toEqual([
      { type: 'unsupported', reason: 'not a Messenger or Instagram payload (object: user)' },
    ]);
    expect(instagram.parse(raw({ object: 'instagram', entry: [{ id: '1', time: 1 }] }), igCreds)).toEqual([
      { type: 'unsupported', reason: 'instagram entry 1 without messaging events' },
    ]);
    expect(() => instagram.parse({ body: '<html>', receivedAt: RECEIVED_AT }, igCreds)).toThrow(/not JSON/);
  });
});

describe('fixtures', () => {
  it('covers every messenger-* fixture', () => {
    expect(Object.keys(messengerExpected).sort()).toEqual(fixtureNames().filter((f) => f.startsWith('messenger-')).sort());
  });

  it('covers every instagram-* fixture', () => {
    expect(Object.keys(instagramExpected).sort()).toEqual(fixtureNames().filter((f) => f.startsWith('instagram-')).sort());
  });
});
