import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import type { WebhookRequest } from '../types.js';
import { whatsappCloud } from './whatsapp-cloud.js';
import { messenger } from './messenger.js';
import { instagram } from './instagram.js';
import { WhatsAppCloudCredentials } from './credentials.js';
import { signBody } from './signature.js';
import { fixtureText } from './test-support.js';

const creds = WhatsAppCloudCredentials.parse({
  phoneNumberId: '106540352242922',
  accessToken: 'EAAG-test',
  appSecret: '7f1c2b9e4a6d8c0e3b5a7d9f1e2c4b6a',
  verifyToken: 'handshake-token-1',
});
const verify = whatsappCloud.webhook!.verify;

const post = (rawBody: Buffer, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  url: 'https://hub.example.com/webhooks/whatsapp_cloud/ch_1',
  query: {},
  headers: { 'content-type': 'application/json', ...headers },
  rawBody,
});
const get = (query: Record<string, string>): WebhookRequest => ({
  method: 'GET',
  url: 'https://hub.example.com/webhooks/whatsapp_cloud/ch_1',
  query,
  headers: {},
  rawBody: Buffer.alloc(0),
});

describe('Meta webhook signature (X-Hub-Signature-256)', () => {
  // Meta escapes non-ASCII as \uXXXX: the raw bytes are what is signed.
  const raw = Buffer.from(fixtureText('whatsapp-text.json'));
  const good = 'sha256=' + createHmac('sha256', creds.appSecret).update(raw).digest('hex');

  it('accepts the HMAC of the raw body', () => {
    expect(verify(post(raw, { 'x-hub-signature-256': good }), creds)).toEqual({ kind: 'accept' });
    expect(signBody(raw, creds.appSecret)).toBe(good);
    expect(verify(post(raw, { 'x-hub-signature-256': good.toUpperCase().replace('SHA256=', 'sha256=') }), creds)).toEqual({ kind: 'accept' });
  });

  it('is shared by all three Meta connectors, with JSON bodies', () => {
    for (const c of [whatsappCloud, messenger, instagram]) {
      expect(c.webhook!.bodyFormat).toBe('json');
      expect(c.webhook!.verify(post(raw, { 'x-hub-signature-256': good }), creds as never)).toEqual({ kind: 'accept' });
    }
  });

  it('rejects a tampered body, including the same JSON re-serialized', () => {
    const tampered = Buffer.from(raw.toString().replace('Lisbon', 'Porto!'));
    expect(verify(post(tampered, { 'x-hub-signature-256': good }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(reserialized.equals(raw)).toBe(false);
    expect(verify(post(reserialized, { 'x-hub-signature-256': good }), creds)).toMatchObject({ kind: 'reject', status: 401 });
  });

  it('rejects a missing, malformed, legacy-only or truncated signature', () => {
    expect(verify(post(raw), creds)).toEqual({ kind: 'reject', status: 401, reason: 'missing X-Hub-Signature-256' });
    const sha1 = 'sha1=' + createHmac('sha1', creds.appSecret).update(raw).digest('hex');
    expect(verify(post(raw, { 'x-hub-signature': sha1 }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    for (const bad of ['', 'sha256=', good.slice(0, -2), good.slice(7), `${good}00`, 'sha256=' + 'z'.repeat(64), sha1]) {
      expect(verify(post(raw, { 'x-hub-signature-256': bad }), creds)).toMatchObject({ kind: 'reject', status: 401 });
    }
  });

  it('rejects a signature made with another secret', () => {
    const other = signBody(raw, 'another-app-secret');
    expect(verify(post(raw, { 'x-hub-signature-256': other }), creds)).toMatchObject({ kind: 'reject', status: 401 });
  });
});

describe('Meta subscription handshake', () => {
  it('echoes the challenge for subscribe with the right verify token', () => {
    expect(verify(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'handshake-token-1', 'hub.challenge': '1158201444' }), creds)).toEqual({
      kind: 'respond',
      status: 200,
      body: '1158201444',
    });
  });

  it('refuses a wrong token, a wrong mode or no token with 403', () => {
    const queries: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'handshake-token-2', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'handshake-token-', 'hub.challenge': '1' },
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'handshake-token-1', 'hub.challenge': '1' },
      { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      {},
    ];
    for (const query of queries) {
      expect(verify(get(query), creds)).toMatchObject({ kind: 'reject', status: 403 });
    }
  });

  it('answers 400 when the challenge is missing', () => {
    expect(verify(get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'handshake-token-1' }), creds)).toMatchObject({ kind: 'respond', status: 400 });
  });
});
