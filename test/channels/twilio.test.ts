// Twilio SMS end to end through the hub: signed form webhooks -> BullMQ -> Postgres -> agent socket; replies through the REST double.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioDouble } from '../../connectors/twilio-sms/rest-api-double.js';
import { AgentSocket, until } from '../support/agent.js';
import { startTestHub, type TestHub } from '../support/hub.js';
import { ingestJobCount, sqlOf } from './support/db.js';

const ACCOUNT_SID = `AC${'3f6a1c0e9b2d4f8a7c5e1b0d9f2a4c6e'}`;
const AUTH_TOKEN = 'twilio-auth-token-9c1d';
const FROM_NUMBER = '+15005550006';
const CUSTOMER = '+14155550123';
const PUBLIC_URL = 'https://hub.example.test';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a tiny jpeg for the test'), Buffer.from([0xff, 0xd9])]);
const MEDIA_SID = 'ME1c3e5a7b9d0f2e4a6c8b0d2f4e6a8c0b';

const fixture = (name: string) => new URLSearchParams(readFileSync(new URL(`../../connectors/twilio-sms/fixtures/${name}.txt`, import.meta.url), 'utf8').trim());

/** X-Twilio-Signature by hand: base64(HMAC-SHA1(token, url + every name and value sorted by name)). */
function signature(url: string, params: URLSearchParams, token = AUTH_TOKEN): string {
  const data = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).reduce((acc, [k, v]) => acc + k + v, url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

let hub: TestHub;
let token: string;
let agent: AgentSocket;
let twilio: Awaited<ReturnType<typeof startTwilioDouble>>;
let channel: { id: string; webhookUrl: string };
let conversationId: string;
const { q, count } = sqlOf(() => hub);

function inbound(sid: string, body: string, extra: Record<string, string> = {}) {
  const p = fixture('inbound-sms');
  for (const [k, v] of Object.entries({ MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, AccountSid: ACCOUNT_SID, From: CUSTOMER, To: FROM_NUMBER, Body: body, ...extra })) p.set(k, v);
  return p;
}

function status(sid: string, name: 'sent' | 'delivered' | 'undelivered', extra: Record<string, string> = {}) {
  const p = fixture(`status-${name}`);
  for (const [k, v] of Object.entries({ MessageSid: sid, SmsSid: sid, AccountSid: ACCOUNT_SID, From: FROM_NUMBER, To: CUSTOMER, ...extra })) p.set(k, v);
  return p;
}

function post(params: URLSearchParams, sig: string | null = signature(channel.webhookUrl, params)) {
  return fetch(`${hub.url}/webhooks/${channel.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig !== null ? { 'x-twilio-signature': sig } : {}) },
    body: params.toString(),
  });
}

async function reply(content: string, clientMessageId: string) {
  const r = await agent.call('send_message', { conversationId, content, clientMessageId });
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  return r.data;
}

const externalIdOf = async (id: string) => (await q('select external_id from messages where id = ?', [id]))[0].external_id as string;

beforeAll(async () => {
  twilio = await startTwilioDouble(ACCOUNT_SID, AUTH_TOKEN, {}, { [`/media/${MEDIA_SID}`]: { status: 200, body: JPEG, headers: { 'content-type': 'image/jpeg' } } });
  hub = await startTestHub({ PUBLIC_URL });
  token = await hub.login();
  agent = await AgentSocket.connect(hub.url!, token);
  const r = await hub.request('POST', '/api/channels', {
    token,
    body: { kind: 'twilio_sms', name: 'SMS', credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM_NUMBER, apiBaseUrl: twilio.url } },
  });
  if (r.status !== 201) throw new Error(`channel: ${r.status} ${r.text}`);
  channel = r.body;
});
afterAll(async () => {
  agent?.close();
  await hub?.close();
  await twilio?.close();
});

describe('twilio sms through the hub', () => {
  it('gives the channel a webhookUrl on the public origin', () => {
    expect(channel.webhookUrl).toBe(`${PUBLIC_URL}/webhooks/${channel.id}`);
  });

  it('lands a signed inbound SMS with the E.164 number as the prospect', async () => {
    const res = await post(inbound('SM00000000000000000000000000000a01', 'Hi, can I move my appointment to Friday?'));
    expect(res.status).toBe(200);
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Hi, can I move my appointment to Friday?', 10_000);
    expect(conv).toMatchObject({ channelId: channel.id, platform: 'sms', unreadCount: 1, prospect: { identifier: CUSTOMER } });
    conversationId = conv.id;
    const prospect = await agent.waitFor('prospect_updated', (p) => p.identifier === CUSTOMER);
    expect(prospect).toMatchObject({ identifierType: 'phone', platform: 'sms' });
    const [m] = await q('select external_id, direction, status from messages where conversation_id = ?', [conversationId]);
    expect(m).toEqual({ external_id: 'SM00000000000000000000000000000a01', direction: 'in', status: 'delivered' });
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const before = { messages: await count('messages'), events: await count('webhook_events'), jobs: await ingestJobCount(hub) };
    const params = inbound('SM00000000000000000000000000000bad', 'Forged');
    const attempts = [
      signature(channel.webhookUrl, params, 'not-the-token'),
      // Signed for another URL (the internal address instead of the public one).
      signature(`${hub.url}/webhooks/${channel.id}`, params),
      null,
    ];
    for (const sig of attempts) {
      const res = await post(params, sig);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('invalid_signature');
    }
    // A valid signature over different parameters.
    const tampered = new URLSearchParams(params);
    tampered.set('Body', 'Forged and changed');
    expect((await post(tampered, signature(channel.webhookUrl, params))).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect({ messages: await count('messages'), events: await count('webhook_events'), jobs: await ingestJobCount(hub) }).toEqual(before);
  });

  it('stores an MMS attachment, downloads it with the media job, and serves it on the signed url', async () => {
    await agent.call('load_messages', { conversationId });
    const sid = 'MM4e2a9c7b1d3f5e8a0c6b2d4f1e3a5c7b';
    const mediaUrl = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media/${MEDIA_SID}`;
    expect((await post(inbound(sid, 'Here is the receipt', { NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/jpeg' }))).status).toBe(200);
    const created = await agent.waitFor('new_message', (m) => m.content === 'Here is the receipt', 10_000);
    expect(created).toMatchObject({ conversationId, messageType: 'image' });
    const ready = await agent.waitFor('message_updated', (m) => m.id === created.id && m.metadata?.attachments?.[0]?.status === 'ready', 15_000);
    expect(ready.metadata).toMatchObject({ fileType: 'image/jpeg', fileSize: JPEG.length });
    expect(ready.metadata.url).toMatch(/^\/media\/[0-9a-f-]+\?exp=\d+&sig=/);

    // Fetched from the API with the account's credentials, then from the storage it redirects to without them.
    const apiCall = twilio.calls.find((c) => c.method === 'GET' && c.path.endsWith(`/Media/${MEDIA_SID}`));
    expect(apiCall?.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(twilio.cdnCalls).toHaveLength(1);
    expect(twilio.cdnCalls[0]!.authorization).toBeUndefined();

    const file = await fetch(`${hub.url}${ready.metadata.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(JPEG);
    // The signature is what lets it out.
    expect((await fetch(`${hub.url}${ready.metadata.url.replace(/sig=[^&]+/, 'sig=forged')}`)).status).toBe(404);
  });

  it("sends an agent's reply through messages.create with the status callback, and marks it sent", async () => {
    const sent = await reply('Friday at 3pm works. See you then!', 'sms-1');
    expect(sent.status).toBe('pending');
    await agent.waitFor('message_updated', (m) => m.id === sent.id && m.status === 'sent', 10_000);
    const creates = twilio.calls.filter((c) => c.method === 'POST' && c.path === `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(creates).toHaveLength(1);
    const form = Object.fromEntries(creates[0]!.form);
    expect(form).toMatchObject({ To: CUSTOMER, From: FROM_NUMBER, Body: 'Friday at 3pm works. See you then!', StatusCallback: channel.webhookUrl });
    expect(await externalIdOf(sent.id)).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('keeps delivered when a late sent callback comes after it', async () => {
    const [msg] = await q("select id, external_id from messages where client_message_id = 'sms-1'");
    expect((await post(status(msg.external_id, 'delivered'))).status).toBe(200);
    await agent.waitFor('message_updated', (m) => m.id === msg.id && m.status === 'delivered', 10_000);
    expect((await post(status(msg.external_id, 'sent'))).status).toBe(200);
    // The late callback is processed (kept) without moving the status back.
    await until(() => count('webhook_events', 'payload like ?', [`%MessageStatus=sent%${msg.external_id}%`]), (n) => n === 1);
    expect((await q('select status from messages where id = ?', [msg.id]))[0].status).toBe('delivered');
    expect(agent.events('message_updated').filter((m) => m.id === msg.id).at(-1).status).toBe('delivered');
  });

  it('turns undelivered with ErrorCode 30003 into failed with a readable reason', async () => {
    const sent = await reply('Reminder: your appointment is tomorrow.', 'sms-2');
    await agent.waitFor('message_updated', (m) => m.id === sent.id && m.status === 'sent', 10_000);
    const sid = await externalIdOf(sent.id);
    expect((await post(status(sid, 'undelivered', { ErrorCode: '30003' }))).status).toBe(200);
    const failed = await agent.waitFor('message_updated', (m) => m.id === sent.id && m.status === 'failed', 10_000);
    expect(failed.error).toBe('30003: unreachable destination handset (off or out of coverage)');
  });
});
