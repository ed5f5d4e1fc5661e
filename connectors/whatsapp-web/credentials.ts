import { z } from 'zod';

/** WhatsApp Web logs in by QR code: nothing is required. */
export const WhatsAppWebCredentials = z.object({ clientId: z.string().regex(/^[A-Za-z0-9_-]+$/).optional() });
export type WhatsAppWebCredentials = z.infer<typeof WhatsAppWebCredentials>;
