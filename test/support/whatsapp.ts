import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TestHub } from './hub.js';

/** Builds WhatsApp Cloud API webhooks from the recorded fixtures, with ids of our choosing. */
const fixture = (name: string) => readFileSync(new URL(`../../connectors/meta/fixtures/${name}.json`, import.meta.url), 'utf8');

export const PHONE_NUMBER_ID = '106540352242922';
export const APP_SECRET = 'test-app-secret-5f1c';

export function textWebhook(opts: { waId: string; name?: string; id: string; body: string; timestamp?: number }): string {
  const p = JSON.parse(fixture('whatsapp-text'));
  const value = p.entry[0].changes[0].value;
  value.contacts[0] = { profile: { name: opts.name ?? `Customer ${opts.waId}` }, wa_id: opts.waId };
  Object.assign(value.messages[0], { from: opts.waId, id: opts.id, timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)), text: { body: opts.body } });
  return JSON.stringify(p);
}

/** A WhatsApp delivery with several messages (one change, as Meta batches them). */
export function waBatch(messages: { from: string; id: string; timestamp?: number; text?: string; reaction?: { message_id: string; emoji?: string } }[], phoneNumberId = PHONE_NUMBER_ID) {
  const p = JSON.parse(fixture('whatsapp-text'));
  const value = p.entry[0].changes[0].value;
  value.metadata.phone_number_id = phoneNumberId;
  value.contacts = [...new Set(messages.map((m) => m.from))].map((from) => ({ profile: { name: `Customer ${from}` }, wa_id: from }));
  value.messages = messages.map((m) => ({
    from: m.from, id: m.id, timestamp: String(m.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(m.reaction ? { type: 'reaction', reaction: m.reaction } : { type: 'text', text: { body: m.text ?? '' } }),
  }));
  return JSON.stringify(p);
}

export function imageWebhook(opts: { waId: string; id: string; mediaId: string; caption?: string }): string {
  const p = JSON.parse(fixture('whatsapp-image'));
  const value = p.entry[0].changes[0].value;
  value.contacts[0] = { profile: { name: 'Image Sender' }, wa_id: opts.waId };
  const m = value.messages[0];
  Object.assign(m, { from: opts.waId, id: opts.id, timestamp: String(Math.floor(Date.now() / 1000)) });
  Object.assign(m.image, { id: opts.mediaId, caption: opts.caption });
  return JSON.stringify(p);
}

export function statusWebhook(opts: { id: string; status: 'sent' | 'delivered' | 'read' | 'failed'; waId: string; timestamp?: number }): string {
  const p = JSON.parse(fixture(`whatsapp-status-${opts.status}`));
  const s = p.entry[0].changes[0].value.statuses[0];
  Object.assign(s, { id: opts.id, recipient_id: opts.waId, timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)) });
  return JSON.stringify(p);
}

export const sign = (body: string, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export async function createWhatsAppChannel(hub: TestHub, token: string, extra: Record<string, unknown> = {}) {
  const r = await hub.request('POST', '/api/channels', {
    token,
    body: { kind: 'whatsapp_cloud', name: 'WhatsApp', credentials: { phoneNumberId: PHONE_NUMBER_ID, accessToken: 'EAAtest', appSecret: APP_SECRET, verifyToken: 'verify-me', ...extra } },
  });
  if (r.status !== 201) throw new Error(`channel: ${r.status} ${r.text}`);
  return r.body as { id: string; webhookUrl: string };
}

export function postWebhook(hub: TestHub, channelId: string, body: string, signature: string | null = sign(body)) {
  return fetch(`${hub.url}/webhooks/${channelId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body,
  });
}

export const waId = (n: number) => `1555${String(n).padStart(7, '0')}`;
export const wamid = (n: number | string) => `wamid.HBgLMTU1NTAwMDAwMDAVAgASGBQz${Buffer.from(String(n)).toString('base64url')}`;
