/**
 * WhatsApp Business Platform, Cloud API.
 * https://developers.facebook.com/docs/whatsapp/cloud-api
 */
import type { Connector } from '../types.js';
import { WhatsAppCloudCredentials, META_SECRET_FIELDS } from './credentials.js';
import { classifyMetaError } from './errors.js';
import { whatsappMedia } from './media.js';
import { parseWhatsApp } from './parse-whatsapp.js';
import { reactWhatsApp, sendWhatsApp, whatsappTemplates } from './send.js';
import { metaWebhook } from './signature.js';

export const whatsappCloud: Connector<WhatsAppCloudCredentials> = {
  kind: 'whatsapp_cloud',
  platform: 'whatsapp',
  docs: 'https://developers.facebook.com/docs/whatsapp/cloud-api',
  credentials: WhatsAppCloudCredentials,
  secretFields: META_SECRET_FIELDS,
  // Changes for another phone number of the same app are not this channel's.
  parse: (raw, credentials) => parseWhatsApp(raw, credentials.phoneNumberId),
  webhook: metaWebhook(),
  send: { send: sendWhatsApp, windowHours: 24, quotes: true, react: reactWhatsApp, templates: whatsappTemplates },
  media: whatsappMedia,
  classifyError: classifyMetaError,
};
