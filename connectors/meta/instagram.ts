import type { Connector } from '../types.js';
import { InstagramCredentials, META_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const instagram: Connector<InstagramCredentials> = {
  kind: 'instagram',
  platform: 'instagram',
  docs: '',
  credentials: InstagramCredentials,
  secretFields: META_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'instagram inbound is not implemented yet' }],
};
