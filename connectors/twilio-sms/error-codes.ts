// Error and warning dictionary: https://www.twilio.com/docs/api/errors
/** Plain words for the delivery failures agents meet most; others show the code and link. */
export const ERROR_TEXT: Record<string, string> = {
  '21211': "invalid 'To' phone number",
  '21408': 'permission to send to this region is not enabled',
  '21610': 'the recipient has unsubscribed (replied STOP)',
  '21612': 'this number cannot reach the recipient',
  '21614': "'To' number is not a valid mobile number",
  '30001': 'queue overflow: too many messages queued',
  '30002': 'Twilio account suspended',
  '30003': 'unreachable destination handset (off or out of coverage)',
  '30004': 'message blocked by the recipient or carrier',
  '30005': 'unknown destination handset (number does not exist)',
  '30006': 'landline or unreachable carrier',
  '30007': 'filtered by the carrier as spam',
  '30008': 'unknown error from the carrier',
  '30032': 'toll-free number not verified',
  '30034': 'sender not registered for US A2P 10DLC',
  '63016': 'WhatsApp: outside the 24 hour window, use a template',
};

export const errorText = (code: string) => `${code}: ${ERROR_TEXT[code] ?? `Twilio error, see https://www.twilio.com/docs/api/errors/${code}`}`;
