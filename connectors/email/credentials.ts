import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const EmailCredentials = z.object({
  imapHost: z.string().min(1),
  imapPort: port.default(993),
  imapSecure: flag.default(true),
  imapUser: z.string().min(1),
  imapPassword: z.string().min(1),
  mailbox: z.string().min(1).default('INBOX'),
  smtpHost: z.string().min(1),
  smtpPort: port.default(587),
  smtpSecure: flag.default(false),
  smtpUser: z.string().min(1),
  smtpPassword: z.string().min(1),
  fromAddress: z.email(),
  fromName: z.string().optional(),
  /** Turn off only for a server with a self-signed certificate (a test or lab server). */
  imapTlsRejectUnauthorized: flag.default(true),
  smtpTlsRejectUnauthorized: flag.default(true),
  /** How many of the newest messages the first pull imports, so the inbox does not start empty. */
  initialImportCount: z.coerce.number().int().min(0).max(1000).default(50),
});
export type EmailCredentials = z.infer<typeof EmailCredentials>;
export const EMAIL_SECRET_FIELDS = ['imapPassword', 'smtpPassword'] as const;
