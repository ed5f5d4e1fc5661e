// File download: https://core.telegram.org/bots/api#getfile
import { ConnectorError, type ConnectorContext, type ErrorCategory, type MediaCapability } from '../types.js';
import { apiRoot, callBotApi } from './api.js';
import type { TelegramCredentials } from './credentials.js';

/** Telegram serves files as application/octet-stream; the path's extension says more. */
const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  pdf: 'application/pdf',
  tgs: 'application/x-tgsticker',
};

/** The path is valid for an hour, so other refusals right after getFile are worth a retry. */
const DOWNLOAD_CATEGORY: Record<number, ErrorCategory> = { 401: 'auth', 429: 'rate_limited' };

interface TgFile { file_id: string; file_unique_id: string; file_size?: number; file_path?: string }

export const media: MediaCapability<TelegramCredentials> = {
  async fetch(fileId: string, credentials, ctx: ConnectorContext) {
    const info = await callBotApi<TgFile>(ctx.fetch, credentials, 'getFile', { file_id: fileId });
    if (!info.file_path) throw new ConnectorError('permanent', `telegram getFile: no file_path for ${fileId}`);

    let res: Response;
    try {
      res = await ctx.fetch(`${apiRoot(credentials)}/file/bot${credentials.botToken}/${info.file_path}`, {
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new ConnectorError('temporary', `telegram file download: network error (${cause})`);
    }
    if (!res.ok) {
      const category = DOWNLOAD_CATEGORY[res.status] ?? 'temporary';
      throw new ConnectorError(category, `telegram file download: HTTP ${res.status}`, String(res.status));
    }

    const fileName = info.file_path.split('/').pop()!;
    const ext = fileName.includes('.') ? fileName.split('.').pop()!.toLowerCase() : '';
    const served = res.headers.get('content-type')?.split(';')[0].trim();
    const mimeType = served && served !== 'application/octet-stream' ? served : MIME_BY_EXT[ext] ?? served;
    return { data: Buffer.from(await res.arrayBuffer()), fileName, ...(mimeType ? { mimeType } : {}) };
  },
};
