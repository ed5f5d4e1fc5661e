import { z } from 'zod';
import { apiBaseUrl, generatedToken } from '../credentials.js';

const common = {
  accessToken: z.string().min(1),
  appSecret: z.string().min(1),
  /** What Meta echoes in the subscription handshake; generated when not given. */
  verifyToken: z.string().min(1).default(generatedToken),
  apiVersion: z.string().regex(/^v\d+\.\d+$/).default('v21.0'),
  apiBaseUrl,
};

export const WhatsAppCloudCredentials = z.object({
  phoneNumberId: z.string().min(1),
  /** The WhatsApp Business Account (WABA) id: where the message templates live. */
  businessAccountId: z.string().regex(/^\d+$/).optional(),
  ...common,
});
export const MessengerCredentials = z.object({ pageId: z.string().min(1), ...common });
export const InstagramCredentials = z.object({ accountId: z.string().min(1), ...common });

export type WhatsAppCloudCredentials = z.infer<typeof WhatsAppCloudCredentials>;
export type MessengerCredentials = z.infer<typeof MessengerCredentials>;
export type InstagramCredentials = z.infer<typeof InstagramCredentials>;
export type MetaCredentials = WhatsAppCloudCredentials | MessengerCredentials | InstagramCredentials;

export const META_SECRET_FIELDS = ['accessToken', 'appSecret'] as const;
