import type { Connector } from '../types.js';
import { WhatsAppWebCredentials } from './credentials.js';

/**
 * WhatsApp Web (whatsapp-web.js): configuration only in this version; no session runs yet, and
 * channels of this kind are created disabled with that reason (src/domain/channels.ts).
 */
export const whatsappWeb: Connector<WhatsAppWebCredentials> = {
  kind: 'whatsapp_web',
  platform: 'whatsapp',
  docs: '',
  credentials: WhatsAppWebCredentials,
  secretFields: [] as const,
  parse: () => [{ type: 'unsupported', reason: 'whatsapp_web inbound is not implemented yet' }],
};
