import type { Connector } from '../types.js';
import { MessengerCredentials, META_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const messenger: Connector<MessengerCredentials> = {
  kind: 'messenger',
  platform: 'facebook',
  docs: '',
  credentials: MessengerCredentials,
  secretFields: META_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'messenger inbound is not implemented yet' }],
};
