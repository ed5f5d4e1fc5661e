import type { Connector } from '../types.js';
import { TelegramCredentials, TELEGRAM_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const telegram: Connector<TelegramCredentials> = {
  kind: 'telegram',
  platform: 'telegram',
  docs: '',
  credentials: TelegramCredentials,
  secretFields: TELEGRAM_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'telegram inbound is not implemented yet' }],
};
