import type { Connector } from '../types.js';
import { TwilioSmsCredentials, TWILIO_SECRET_FIELDS } from './credentials.js';

/** Placeholder until this connector's parse/send land: configuration only. */
export const twilioSms: Connector<TwilioSmsCredentials> = {
  kind: 'twilio_sms',
  platform: 'sms',
  docs: '',
  credentials: TwilioSmsCredentials,
  secretFields: TWILIO_SECRET_FIELDS,
  parse: () => [{ type: 'unsupported', reason: 'twilio_sms inbound is not implemented yet' }],
};
