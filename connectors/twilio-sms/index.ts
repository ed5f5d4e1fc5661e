// Twilio Programmable Messaging connector (SMS/MMS, and WhatsApp through Twilio): https://www.twilio.com/docs/messaging
import type { Connector } from '../types.js';
import { TwilioSmsCredentials, TWILIO_SECRET_FIELDS } from './credentials.js';
import { media } from './media.js';
import { parse } from './parse.js';
import { send, toConnectorError } from './send.js';
import { webhook } from './verify.js';

export const twilioSms: Connector<TwilioSmsCredentials> = {
  kind: 'twilio_sms',
  platform: 'sms',
  docs: 'https://www.twilio.com/docs/messaging',
  credentials: TwilioSmsCredentials,
  secretFields: TWILIO_SECRET_FIELDS,
  parse,
  webhook,
  send,
  media,
  classifyError: (e) => toConnectorError(e).category,
};
