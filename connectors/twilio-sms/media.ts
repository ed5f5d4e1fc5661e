// Inbound media: https://www.twilio.com/docs/messaging/api/media-resource#fetch-a-media-resource
import { ConnectorError, type ConnectorContext, type ErrorCategory, type MediaCapability } from '../types.js';
import type { TwilioSmsCredentials } from './credentials.js';

const TWILIO_API = 'https://api.twilio.com';
const CATEGORY_BY_STATUS: Record<number, ErrorCategory> = { 401: 'auth', 403: 'auth', 404: 'permanent', 410: 'permanent', 429: 'rate_limited' };

/** Media URLs point at api.twilio.com; with apiBaseUrl set they go there instead, path kept. */
function resolve(source: string, c: TwilioSmsCredentials): URL {
  const url = new URL(source);
  if (!c.apiBaseUrl || url.origin !== TWILIO_API) return url;
  const base = new URL(c.apiBaseUrl);
  return new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${url.pathname}${url.search}`);
}

/** Credentials go only to Twilio (or its stand-in); never to an arbitrary host. */
function isTwilio(url: URL, c: TwilioSmsCredentials): boolean {
  if (c.apiBaseUrl && url.origin === new URL(c.apiBaseUrl).origin) return true;
  return url.protocol === 'https:' && (url.hostname === 'twilio.com' || url.hostname.endsWith('.twilio.com'));
}

function fileNameOf(res: Response): string | undefined {
  const disposition = res.headers.get('content-disposition') ?? '';
  const m = disposition.match(/filename\*=UTF-8''([^;]+)/i) ?? disposition.match(/filename="?([^";]+)"?/i);
  return m ? decodeURIComponent(m[1]) : undefined;
}

export const media: MediaCapability<TwilioSmsCredentials> = {
  async fetch(source, credentials, ctx: ConnectorContext) {
    const url = resolve(source, credentials);
    const headers: Record<string, string> = {};
    if (isTwilio(url, credentials)) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;
    }
    let res: Response;
    try {
      // Twilio answers with a redirect to signed storage; fetch drops Authorization on the cross-origin hop.
      res = await ctx.fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(120_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new ConnectorError('temporary', `twilio media: network error (${cause})`);
    }
    if (!res.ok) {
      const category = CATEGORY_BY_STATUS[res.status] ?? (res.status >= 500 ? 'temporary' : 'permanent');
      throw new ConnectorError(category, `twilio media: HTTP ${res.status}`, String(res.status));
    }
    const mimeType = res.headers.get('content-type')?.split(';')[0].trim();
    const fileName = fileNameOf(res);
    return { data: Buffer.from(await res.arrayBuffer()), ...(mimeType ? { mimeType } : {}), ...(fileName ? { fileName } : {}) };
  },
};
