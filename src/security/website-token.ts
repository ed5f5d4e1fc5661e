import { timingSafeEqual } from 'node:crypto';
import type { SecretBox } from './crypto.js';

const PURPOSE = 'website-token';
const TAG_LENGTH = 22;

/**
 * A web_chat channel's public name on websites: its id and a tag only the hub can make, so the
 * token needs no storage and cannot be guessed from another. (Public by design: the snippet is in
 * every page; what protects the channel is its allowedOrigins and identity secret.)
 */
export function websiteTokenFor(box: SecretBox, channelId: string): string {
  const hex = channelId.replaceAll('-', '');
  return `${hex}${box.tag(PURPOSE, hex).slice(0, TAG_LENGTH)}`;
}

/** The channel id a websiteToken names, or undefined for one the hub did not make. */
export function channelIdOfWebsiteToken(box: SecretBox, token: unknown): string | undefined {
  if (typeof token !== 'string' || !/^[0-9a-f]{32}[A-Za-z0-9_-]{22}$/.test(token)) return undefined;
  const hex = token.slice(0, 32);
  const expected = Buffer.from(box.tag(PURPOSE, hex).slice(0, TAG_LENGTH));
  if (!timingSafeEqual(expected, Buffer.from(token.slice(32)))) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The one line a site adds to its pages. */
export const embedSnippetFor = (publicUrl: string, websiteToken: string) =>
  `<script src="${publicUrl}/widget.js" data-website-token="${websiteToken}" async></script>`;
