/** The recorded payloads, credentials and signing rules of every connector, for the contract and property tests. */
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import twilio from 'twilio';
import type { ChannelKind, WebhookRequest } from '../../connectors/types.js';

export const URL_ = 'https://hub.example.com/webhooks/6f0c5a4e-7a43-4a43-9a1e-2b6fd0b1a111';
const dir = (path: string) => new URL(`../../connectors/${path}/`, import.meta.url);
const files = (path: string, match: RegExp) => readdirSync(dir(path)).filter((f) => match.test(f)).map((f) => ({ name: f, text: readFileSync(new URL(f, dir(path)), 'utf8') }));

export type Case = {
  credentials: Record<string, unknown>;
  fixtures: { name: string; text: string }[];
  contentType: string;
  /** Signs a request the way the platform does. */
  sign?: (req: WebhookRequest, creds: any) => Record<string, string>;
  /** Platforms that authenticate with a shared token rather than a body signature. */
  tokenOnly?: boolean;
};

const meta = (id: Record<string, string>, prefix: RegExp): Case => ({
  credentials: { ...id, accessToken: 'EAAcontract', appSecret: 'contract-app-secret' },
  fixtures: files('meta/fixtures', prefix),
  contentType: 'application/json',
  sign: (req, c) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', c.appSecret).update(req.rawBody).digest('hex')}` }),
});

/** One entry per channel kind: a kind missing here fails the compile. */
export const CASES: Record<ChannelKind, Case> = {
  whatsapp_cloud: meta({ phoneNumberId: '106540352242922' }, /^whatsapp-.*\.json$/),
  messenger: meta({ pageId: '103288192358923' }, /^messenger-.*\.json$/),
  instagram: meta({ accountId: '17841400000000000' }, /^instagram-.*\.json$/),
  telegram: {
    credentials: { botToken: '123456:contract-token', secretToken: 'contract_secret-token' },
    fixtures: files('telegram/fixtures', /\.json$/),
    contentType: 'application/json',
    sign: (_req, c) => ({ 'x-telegram-bot-api-secret-token': c.secretToken }),
    tokenOnly: true,
  },
  twilio_sms: {
    credentials: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'contract-auth-token', fromNumber: '+15005550006' },
    fixtures: files('twilio-sms/fixtures', /\.txt$/),
    contentType: 'application/x-www-form-urlencoded',
    sign: (req, c) => ({
      'x-twilio-signature': twilio.getExpectedTwilioSignature(c.authToken, req.url, Object.fromEntries(new URLSearchParams(req.rawBody.toString()))),
    }),
  },
  email: {
    credentials: {
      imapHost: 'imap.example.com', imapUser: 'u', imapPassword: 'p', smtpHost: 'smtp.example.com', smtpUser: 'u', smtpPassword: 'p',
      fromAddress: 'support@example.com',
    },
    fixtures: files('email/fixtures', /\.eml$/),
    contentType: 'message/rfc822',
  },
  whatsapp_web: { credentials: {}, fixtures: files('whatsapp-web/fixtures', /\.json$/), contentType: 'application/json' },
  web_chat: { credentials: { allowedOrigins: ['https://shop.example.com'] }, fixtures: files('web-chat/fixtures', /\.json$/), contentType: 'application/json' },
  sandbox: { credentials: { sandboxId: 'contract-sandbox' }, fixtures: [], contentType: 'application/json' },
};


const Contact = z.object({ externalId: z.string().min(1), identifier: z.string().min(1), identifierType: z.enum(['phone', 'email', 'social']), name: z.string().optional() }).loose();
/** What a well-formed normalized event looks like, whatever the connector. */
export const Event = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message'), externalId: z.string().min(1), direction: z.enum(['in', 'out']), contact: Contact, timestamp: z.number().int().positive(),
    messageType: z.enum(['text', 'image', 'file', 'audio', 'video', 'location', 'system']), content: z.string(),
    attachments: z.array(z.object({ kind: z.enum(['image', 'file', 'audio', 'video', 'sticker']), source: z.string().min(1) }).loose()).optional(),
  }).loose(),
  z.object({ type: z.literal('status'), externalId: z.string().min(1), status: z.enum(['sent', 'delivered', 'read', 'failed']), timestamp: z.number() }).loose(),
  z.object({ type: z.literal('watermark'), contactExternalId: z.string().min(1), status: z.enum(['delivered', 'read']), upTo: z.number() }),
  z.object({ type: z.literal('reaction'), targetExternalId: z.string().min(1), contact: Contact, emoji: z.string(), timestamp: z.number() }),
  z.object({ type: z.literal('edit'), externalId: z.string().min(1), content: z.string(), timestamp: z.number() }),
  z.object({ type: z.literal('delete'), externalId: z.string().min(1), timestamp: z.number() }),
  z.object({ type: z.literal('unsupported'), reason: z.string().min(1) }),
]);
