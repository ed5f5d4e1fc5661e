/**
 * Instagram Direct messages through the Messenger Platform (an Instagram professional account).
 * https://developers.facebook.com/docs/messenger-platform/instagram
 */
import type { Connector } from '../types.js';
import { InstagramCredentials, META_SECRET_FIELDS } from './credentials.js';
import { classifyMetaError } from './errors.js';
import { attachmentUrlMedia } from './media.js';
import { parseMessaging } from './parse-messaging.js';
import { reactMessaging, sendMessaging } from './send.js';
import { metaWebhook } from './signature.js';
import { instagramProfile } from './profile.js';

export const instagram: Connector<InstagramCredentials> = {
  kind: 'instagram',
  platform: 'instagram',
  docs: 'https://developers.facebook.com/docs/messenger-platform/instagram',
  credentials: InstagramCredentials,
  secretFields: META_SECRET_FIELDS,
  parse: (raw) => parseMessaging(raw),
  webhook: metaWebhook(),
  send: { send: sendMessaging, windowHours: 24, quotes: true, react: reactMessaging },
  media: attachmentUrlMedia,
  profile: instagramProfile,
  classifyError: classifyMetaError,
};
