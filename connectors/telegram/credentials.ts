import { z } from 'zod';
import { apiBaseUrl, generatedToken } from '../credentials.js';

export const TelegramCredentials = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'a bot token looks like 123456:ABC-DEF...'),
  /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token; generated when not given. */
  secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/).default(generatedToken),
  mode: z.enum(['webhook', 'polling']).default('webhook'),
  apiBaseUrl,
});
export type TelegramCredentials = z.infer<typeof TelegramCredentials>;
export const TELEGRAM_SECRET_FIELDS = ['botToken', 'secretToken'] as const;
