/**
 * Names and pictures for page- and Instagram-scoped ids: Messenger and Instagram webhooks carry
 * only the id. https://developers.facebook.com/docs/messenger-platform/identity/user-profile
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api/user-profile
 */
import type { ProfileCapability } from '../types.js';
import type { InstagramCredentials, MessengerCredentials } from './credentials.js';
import { graphJson, graphUrl } from './graph.js';

export const messengerProfile: ProfileCapability<MessengerCredentials> = {
  async fetch(contact, creds, ctx) {
    const p = await graphJson<{ first_name?: string; last_name?: string; profile_pic?: string }>(
      ctx, `${graphUrl(creds, contact.externalId)}?fields=first_name,last_name,profile_pic`, { token: creds.accessToken });
    const name = [p.first_name, p.last_name].filter(Boolean).join(' ');
    return { name: name || undefined, avatar: p.profile_pic };
  },
};

export const instagramProfile: ProfileCapability<InstagramCredentials> = {
  async fetch(contact, creds, ctx) {
    const p = await graphJson<{ name?: string; username?: string; profile_pic?: string }>(
      ctx, `${graphUrl(creds, contact.externalId)}?fields=name,username,profile_pic`, { token: creds.accessToken });
    return { name: p.name || (p.username ? `@${p.username}` : undefined), avatar: p.profile_pic };
  },
};
