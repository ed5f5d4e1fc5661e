// Webhook secret check: https://core.telegram.org/bots/api#setwebhook (secret_token)
import { timingSafeEqual } from 'node:crypto';
import type { WebhookCapability, WebhookRequest } from '../types.js';
import type { TelegramCredentials } from './credentials.js';

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const webhook: WebhookCapability<TelegramCredentials> = {
  bodyFormat: 'json',

  verify(req, credentials) {
    if (req.method !== 'POST') return { kind: 'respond', status: 405, body: 'Telegram delivers updates by POST' };
    const given = req.headers[SECRET_HEADER];
    if (!given) return { kind: 'reject', status: 401, reason: `missing ${SECRET_HEADER}` };
    if (!sameSecret(given, credentials.secretToken)) return { kind: 'reject', status: 401, reason: `bad ${SECRET_HEADER}` };
    return { kind: 'accept' };
  },

  deliveryId(req: WebhookRequest) {
    try {
      const id = (JSON.parse(req.rawBody.toString('utf8')) as { update_id?: unknown }).update_id;
      return typeof id === 'number' ? `update:${id}` : undefined;
    } catch {
      return undefined;
    }
  },
};
