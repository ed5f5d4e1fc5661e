/**
 * Downloads of inbound attachments.
 * WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media
 * Messenger / Instagram attachments arrive as CDN URLs in the webhook (payload.url).
 */
import { ConnectorError, type ConnectorContext, type MediaCapability } from '../types.js';
import type { MetaCredentials, WhatsAppCloudCredentials } from './credentials.js';
import { download, graphJson, graphUrl, type Download } from './graph.js';
import { compact } from './payload.js';

interface MediaInfo {
  url?: string;
  mime_type?: string;
  file_size?: number;
}

/** A media id is looked up for a short-lived URL, which itself needs the bearer token. */
export async function fetchWhatsAppMedia(mediaId: string, creds: WhatsAppCloudCredentials, ctx: ConnectorContext): Promise<Download> {
  if (!mediaId || /[/?#]/.test(mediaId)) throw new ConnectorError('permanent', `not a WhatsApp media id: ${mediaId}`, 'bad_media_id');
  const info = await graphJson<MediaInfo>(ctx, graphUrl(creds, mediaId), { token: creds.accessToken });
  if (!info.url) throw new ConnectorError('permanent', `Graph returned no URL for media ${mediaId}`, 'no_media_url');
  const file = await download(ctx, info.url, creds.accessToken);
  return compact({ data: file.data, mimeType: info.mime_type ?? file.mimeType, fileName: file.fileName });
}

/** Messenger/Instagram CDN URLs are signed: fetched as they are, without the token. */
export async function fetchAttachmentUrl(url: string, _creds: MetaCredentials, ctx: ConnectorContext): Promise<Download> {
  if (!/^https?:\/\//i.test(url)) throw new ConnectorError('permanent', `not an attachment URL: ${url}`, 'bad_media_url');
  return compact(await download(ctx, url));
}

export const whatsappMedia: MediaCapability<WhatsAppCloudCredentials> = { fetch: fetchWhatsAppMedia };
export const attachmentUrlMedia: MediaCapability<MetaCredentials> = { fetch: fetchAttachmentUrl };
