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
    const id = update(req)?.update_id;
    return typeof id === 'number' ? `update:${id}` : undefined;
  },

  // A tapped inline button spins until the bot answers the callback query: answer it in the
  // webhook reply itself (https://core.telegram.org/bots/api#making-requests-when-getting-updates).
  reply(req: WebhookRequest) {
    const id = update(req)?.callback_query?.id;
    return typeof id === 'string' ? { method: 'answerCallbackQuery', callback_query_id: id } : undefined;
  },
};

function update(req: WebhookRequest): { update_id?: unknown; callback_query?: { id?: unknown } } | undefined {
  try {
    return JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}
