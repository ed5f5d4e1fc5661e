import type { Connector } from '../types.js';
import { WhatsAppWebCredentials } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const whatsappWeb: Connector<WhatsAppWebCredentials> = {
  kind: 'whatsapp_web',
  platform: 'whatsapp',
  docs: '',
  credentials: WhatsAppWebCredentials,
  secretFields: [] as const,
  parse: () => [{ type: 'unsupported', reason: 'whatsapp_web inbound is not implemented yet' }],
};
