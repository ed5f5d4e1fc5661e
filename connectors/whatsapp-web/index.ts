// WhatsApp Web through whatsapp-web.js (unofficial): https://wwebjs.dev/
import type { Connector, PullCapability } from '../types.js';
import { WhatsAppWebCredentials } from './credentials.js';
import { parse } from './parse.js';
import { currentRuntime } from './runtime.js';
import { media, send } from './send.js';
import { startSession } from './session.js';

export { configureWhatsAppWeb } from './runtime.js';

/** Sessions run in the worker role under the pull runner's lease; at most `maxSessions` in one process. */
const pull: PullCapability<WhatsAppWebCredentials> = {
  maxPerProcess: () => currentRuntime().maxSessions,
  start: async (ctx) => startSession(ctx, currentRuntime()),
};

export const whatsappWeb: Connector<WhatsAppWebCredentials> = {
  kind: 'whatsapp_web',
  platform: 'whatsapp',
  docs: 'https://wwebjs.dev/',
  credentials: WhatsAppWebCredentials,
  secretFields: [] as const,
  parse,
  pull,
  send,
  media,
};
