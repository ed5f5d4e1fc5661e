/**
 * Email connector: IMAP in (pull, IDLE), SMTP out. Protocols: RFC 5322 (messages), RFC 3501 /
 * RFC 2177 (IMAP, IDLE), RFC 5321 (SMTP), RFC 3464 (bounces), RFC 3834 (auto-replies).
 * Libraries: https://imapflow.com/ , https://nodemailer.com/ , https://nodemailer.com/extras/mailparser/
 */
import { ConnectorError, type Connector } from '../types.js';
import { EmailCredentials, EMAIL_SECRET_FIELDS } from './credentials.js';
import { startImapPull } from './imap-pull.js';
import { parseEmail } from './parse.js';
import { classifySmtpError, sendEmail } from './send.js';

export const email: Connector<EmailCredentials> = {
  kind: 'email',
  platform: 'email',
  docs: 'https://www.rfc-editor.org/rfc/rfc5322',
  credentials: EmailCredentials,
  secretFields: EMAIL_SECRET_FIELDS,
  parse: (raw, credentials) => parseEmail(raw, credentials),
  pull: { start: (ctx) => startImapPull(ctx) },
  send: { send: (message, credentials) => sendEmail(message, credentials), needsFileContent: true, quotes: true },
  media: {
    fetch: async () => {
      throw new ConnectorError('permanent', 'email attachments are carried inline');
    },
  },
  classifyError: classifySmtpError,
};
