import { ConnectorError, type Connector, type NormalizedEvent, type RawInbound } from '../types.js';
import { VisitorPayload, WebChatCredentials, WEB_CHAT_SECRET_FIELDS } from './credentials.js';

/** The platform id of a visitor's message: one per (visitor, clientMessageId), so a resend is the same message. */
export const visitorMessageId = (visitorId: string, clientMessageId: string) => `${visitorId}:${clientMessageId}`;
/** Where a visitor's upload is found (the hub's media store, through `ctx.visitors`). */
export const UPLOAD_SOURCE = 'widget-upload:';

function parse(raw: RawInbound): NormalizedEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(raw.body);
  } catch {
    return [{ type: 'unsupported', reason: 'a visitor payload that is not JSON' }];
  }
  const parsed = VisitorPayload.safeParse(body);
  if (!parsed.success) return [{ type: 'unsupported', reason: 'not a visitor message' }];
  const p = parsed.data;
  const first = p.attachments?.[0];
  return [
    {
      type: 'message',
      externalId: visitorMessageId(p.visitorId, p.clientMessageId),
      direction: 'in',
      contact: {
        externalId: p.visitorId,
        // A verified email is who they are; otherwise the site's identifier, or the visitor id.
        identifier: p.email || p.identifier || `visitor-${p.visitorId.slice(0, 8)}`,
        identifierType: p.email ? 'email' : 'social',
        name: p.name,
      },
      timestamp: p.sentAt,
      messageType: first?.kind ?? 'text',
      content: p.content,
      metadata: { clientMessageId: p.clientMessageId, ...(p.page ? { page: p.page } : {}) },
      attachments: p.attachments?.map((a) => ({ kind: a.kind, source: UPLOAD_SOURCE + a.uploadId, fileName: a.fileName, mimeType: a.mimeType, fileSize: a.fileSize })),
    },
  ];
}

/**
 * Website live chat. Visitors write through the hub's own widget API (no webhook): their messages
 * are queued as `VisitorPayload`s and parsed here. Sending hands the message to the hub's
 * realtime layer (`ctx.visitors`), which pushes it to the visitor's open widgets.
 */
export const webChat: Connector<WebChatCredentials> = {
  kind: 'web_chat',
  platform: 'web',
  docs: 'README.md#website-live-chat',
  credentials: WebChatCredentials,
  secretFields: WEB_CHAT_SECRET_FIELDS,
  parse,
  send: {
    async send(message, _credentials, ctx) {
      if (!ctx.visitors) throw new ConnectorError('temporary', 'the hub offers no visitor delivery in this process');
      await ctx.visitors.deliver(message.to.externalId, message.messageId);
      return { externalId: `web-out:${message.messageId}` };
    },
  },
  media: {
    async fetch(source, _credentials, ctx) {
      if (!source.startsWith(UPLOAD_SOURCE) || !ctx.visitors) throw new ConnectorError('permanent', 'not a visitor upload');
      return ctx.visitors.readUpload(source.slice(UPLOAD_SOURCE.length));
    },
  },
};
