import { z } from 'zod';
import { generatedToken } from '../credentials.js';

/** A page origin as the browser sends it in `Origin`: scheme, host and port, nothing more. */
const Origin = z
  .string()
  .trim()
  .refine((s) => URL.canParse(s) && new URL(s).origin === s.replace(/\/$/, '') && /^https?:$/.test(new URL(s).protocol), 'an origin like https://www.example.com')
  .transform((s) => new URL(s).origin);

/**
 * A website live chat: which sites may embed it, and how a site vouches for a signed-in
 * customer (`identifierHash` = hex HMAC-SHA256 of `identifier` with `identitySecret`).
 * The rest is what the widget shows.
 */
export const WebChatCredentials = z.object({
  allowedOrigins: z.array(Origin).min(1).max(50),
  identitySecret: z.string().min(16).max(256).default(generatedToken),
  requireIdentity: z.boolean().default(false),
  title: z.string().trim().max(80).optional(),
  welcomeMessage: z.string().trim().max(1000).optional(),
  /** Ask for name and email before the first message. */
  preChatForm: z.boolean().default(false),
  /** Accent colour of the launcher and the visitor's bubbles. */
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#2563eb'),
});
export type WebChatCredentials = z.infer<typeof WebChatCredentials>;
export const WEB_CHAT_SECRET_FIELDS = ['identitySecret'] as const;

/** What the hub queues for one visitor message (the widget API builds it; `parse` reads it). */
export const VisitorPayload = z.object({
  visitorId: z.string().min(1).max(64),
  clientMessageId: z.string().min(1).max(100),
  content: z.string().max(4096),
  sentAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  name: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  /** What the site knows the visitor by (verified), when it said. */
  identifier: z.string().max(200).optional(),
  page: z.object({ url: z.string().max(2000).optional(), referrer: z.string().max(2000).optional(), browser: z.string().max(500).optional() }).optional(),
  attachments: z
    .array(z.object({ uploadId: z.string().max(64), kind: z.enum(['image', 'file', 'audio', 'video']), fileName: z.string().max(255).optional(), mimeType: z.string().max(127).optional(), fileSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }))
    .max(10)
    .optional(),
});
export type VisitorPayload = z.infer<typeof VisitorPayload>;
