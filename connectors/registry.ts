import type { ChannelKind, Connector } from './types.js';
import { whatsappCloud } from './meta/whatsapp-cloud.js';
import { messenger } from './meta/messenger.js';
import { instagram } from './meta/instagram.js';
import { telegram } from './telegram/index.js';
import { twilioSms } from './twilio-sms/index.js';
import { email } from './email/index.js';
import { whatsappWeb } from './whatsapp-web/index.js';
import { webChat } from './web-chat/index.js';
import { sandbox } from './sandbox/index.js';

/** Every channel kind's connector; a kind missing here is a compile error. */
export const connectors: Record<ChannelKind, Connector> = {
  whatsapp_cloud: whatsappCloud,
  messenger,
  instagram,
  telegram,
  twilio_sms: twilioSms,
  email,
  whatsapp_web: whatsappWeb,
  web_chat: webChat,
  sandbox,
};

export const CHANNEL_KINDS = Object.keys(connectors) as ChannelKind[];

export function connectorFor(kind: string): Connector {
  const c = connectors[kind as ChannelKind];
  if (!c) throw new Error(`unknown channel kind: ${kind}`);
  return c;
}
