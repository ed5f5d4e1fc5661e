/**
 * Meta webhook verification, shared by WhatsApp Cloud, Messenger and Instagram:
 * the GET subscription handshake and the X-Hub-Signature-256 HMAC on every POST.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 * https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult, WebhookCapability, WebhookRequest } from '../types.js';
import type { MetaCredentials } from './credentials.js';

type Secrets = Pick<MetaCredentials, 'appSecret' | 'verifyToken'>;

function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function signBody(rawBody: Buffer | string, appSecret: string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/** True when `header` is `sha256=<hex>` of the raw bytes under the app secret. */
export function validSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return sameSecret(Buffer.from(match[1], 'hex'), expected);
}

export function handshake(query: Record<string, string>, verifyToken: string): VerifyResult {
  const token = Buffer.from(query['hub.verify_token'] ?? '');
  if (query['hub.mode'] !== 'subscribe' || !sameSecret(token, Buffer.from(verifyToken))) {
    return { kind: 'reject', status: 403, reason: 'subscription handshake: wrong mode or verify token' };
  }
  const challenge = query['hub.challenge'];
  if (!challenge) return { kind: 'respond', status: 400, body: 'missing hub.challenge' };
  return { kind: 'respond', status: 200, body: challenge };
}

export function verifyMetaRequest(req: WebhookRequest, creds: Secrets): VerifyResult {
  if (req.method === 'GET') return handshake(req.query, creds.verifyToken);
  const header = req.headers['x-hub-signature-256'];
  if (!header) return { kind: 'reject', status: 401, reason: 'missing X-Hub-Signature-256' };
  if (!validSignature(req.rawBody, header, creds.appSecret)) {
    return { kind: 'reject', status: 401, reason: 'X-Hub-Signature-256 does not match the body' };
  }
  return { kind: 'accept' };
}

export function metaWebhook<C extends Secrets>(): WebhookCapability<C> {
  return { bodyFormat: 'json', verify: verifyMetaRequest };
}
