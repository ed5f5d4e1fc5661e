import type { Connector } from '../types.js';
import { WhatsAppCloudCredentials, META_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const whatsappCloud: Connector<WhatsAppCloudCredentials> = {
  kind: 'whatsapp_cloud',
  platform: 'whatsapp',
  docs: '',
  credentials: WhatsAppCloudCredentials,
  secretFields: META_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'whatsapp_cloud inbound is not implemented yet' }],
};
