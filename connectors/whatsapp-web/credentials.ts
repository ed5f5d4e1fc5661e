import { z } from 'zod';

/** WhatsApp Web logs in by QR code: nothing is required. */
export const WhatsAppWebCredentials = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  /** Link by an 8-character code typed on the phone instead of a QR: the number in international format. */
  pairingPhoneNumber: z.string().trim().regex(/^\+?\d{7,15}$/, 'an international phone number, digits only').transform((v) => v.replace(/^\+/, '')).optional(),
  /** Group chats become conversations too (off: they are ignored). */
  groups: z.boolean().optional(),
});
export type WhatsAppWebCredentials = z.infer<typeof WhatsAppWebCredentials>;
