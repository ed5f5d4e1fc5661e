/**
 * Facebook Messenger through the Messenger Platform (a Facebook Page's inbox).
 * https://developers.facebook.com/docs/messenger-platform
 */
import type { Connector } from '../types.js';
import { MessengerCredentials, META_SECRET_FIELDS } from './credentials.js';
import { classifyMetaError } from './errors.js';
import { attachmentUrlMedia } from './media.js';
import { parseMessaging } from './parse-messaging.js';
import { reactMessaging, sendMessaging } from './send.js';
import { metaWebhook } from './signature.js';
import { messengerProfile } from './profile.js';

export const messenger: Connector<MessengerCredentials> = {
  kind: 'messenger',
  platform: 'facebook',
  docs: 'https://developers.facebook.com/docs/messenger-platform',
  credentials: MessengerCredentials,
  secretFields: META_SECRET_FIELDS,
  parse: (raw) => parseMessaging(raw),
  webhook: metaWebhook(),
  send: { send: sendMessaging, windowHours: 24, quotes: true, react: reactMessaging },
  media: attachmentUrlMedia,
  profile: messengerProfile,
  classifyError: classifyMetaError,
};
