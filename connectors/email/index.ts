import type { Connector } from '../types.js';
import { EmailCredentials, EMAIL_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const email: Connector<EmailCredentials> = {
  kind: 'email',
  platform: 'email',
  docs: '',
  credentials: EmailCredentials,
  secretFields: EMAIL_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'email inbound is not implemented yet' }],
};
