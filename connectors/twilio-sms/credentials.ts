import { z } from 'zod';
import { apiBaseUrl } from '../credentials.js';

export const TwilioSmsCredentials = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID looks like AC followed by 32 hex digits'),
  authToken: z.string().min(1),
  fromNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'fromNumber must be in E.164 form, like +15551234567'),
  apiBaseUrl,
});
export type TwilioSmsCredentials = z.infer<typeof TwilioSmsCredentials>;
export const TWILIO_SECRET_FIELDS = ['authToken'] as const;
