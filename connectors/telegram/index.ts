// Telegram Bot API connector: https://core.telegram.org/bots/api
import type { Connector, ConnectorContext } from '../types.js';
import { ALLOWED_UPDATES, callBotApi } from './api.js';
import { TelegramCredentials, TELEGRAM_SECRET_FIELDS } from './credentials.js';
import { media } from './media.js';
import { parse } from './parse.js';
import { telegramPull } from './poll.js';
import { send } from './send.js';
import { webhook } from './verify.js';

/** Webhook mode registers the hub's URL; polling mode removes any webhook, which blocks getUpdates. */
async function activate(credentials: TelegramCredentials, ctx: ConnectorContext): Promise<void> {
  if (credentials.mode === 'polling') {
    await callBotApi(ctx.fetch, credentials, 'deleteWebhook', { drop_pending_updates: false });
    return;
  }
  await callBotApi(ctx.fetch, credentials, 'setWebhook', {
    url: ctx.webhookUrl,
    secret_token: credentials.secretToken,
    allowed_updates: ALLOWED_UPDATES,
    drop_pending_updates: false,
  });
}

export const telegram: Connector<TelegramCredentials> = {
  kind: 'telegram',
  platform: 'telegram',
  docs: 'https://core.telegram.org/bots/api',
  credentials: TelegramCredentials,
  secretFields: TELEGRAM_SECRET_FIELDS,
  parse,
  webhook,
  pull: telegramPull(),
  send,
  media,
  activate,
};
