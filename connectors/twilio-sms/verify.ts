// Request validation: https://www.twilio.com/docs/usage/webhooks/webhooks-security
import twilio from 'twilio';
import type { WebhookCapability } from '../types.js';
import type { TwilioSmsCredentials } from './credentials.js';
import { first, formParams } from './form.js';

export const webhook: WebhookCapability<TwilioSmsCredentials> = {
  bodyFormat: 'form',

  verify(req, credentials) {
    if (req.method !== 'POST') return { kind: 'respond', status: 405, body: 'Twilio delivers messaging webhooks by POST' };
    const signature = req.headers['x-twilio-signature'];
    if (!signature) return { kind: 'reject', status: 401, reason: 'missing x-twilio-signature' };
    // The URL must be the public one Twilio called (PUBLIC_URL behind a proxy).
    const params = formParams(req.rawBody.toString('utf8'));
    let valid = false;
    try {
      valid = twilio.validateRequest(credentials.authToken, signature, req.url, params);
    } catch {
      // validateRequest parses the URL; a malformed one cannot carry a valid signature.
    }
    return valid ? { kind: 'accept' } : { kind: 'reject', status: 401, reason: 'bad x-twilio-signature' };
  },

  /** An inbound message and each status callback of a message are separate deliveries. */
  deliveryId(req) {
    const p = formParams(req.rawBody.toString('utf8'));
    const sid = first(p.MessageSid) ?? first(p.SmsSid);
    if (!sid) return undefined;
    return `${sid}:${first(p.MessageStatus) ?? first(p.SmsStatus) ?? 'received'}`;
  },
};
