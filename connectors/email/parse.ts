/**
 * Inbound email (a full RFC 5322 message, https://www.rfc-editor.org/rfc/rfc5322) to one
 * normalized event, parsed with mailparser: https://nodemailer.com/extras/mailparser/
 */
import { createHash } from 'node:crypto';
import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import type { InboundAttachment, MessageEvent, MessageType, NormalizedEvent, RawInbound } from '../types.js';
import type { EmailCredentials } from './credentials.js';
import { isAutoReply, isBounce } from './auto-detect.js';
import { parseBounce } from './bounce.js';
import { trimQuotedText } from './quote.js';
import { htmlToText, sanitizeHtml } from './sanitize.js';
import { normalizeMessageId, threadRefs, extractMessageIds } from './threading.js';

/** The contentType the IMAP puller sets: the raw bytes as base64, since mail may be 8-bit non-UTF-8. */
export const BASE64_RFC822 = 'message/rfc822; encoding=base64';

export function rawBytes(raw: RawInbound): Buffer {
  const ct = raw.contentType?.toLowerCase() ?? '';
  if (/(^|;)\s*encoding=base64\s*(;|$)/.test(ct)) return Buffer.from(raw.body, 'base64');
  return Buffer.from(raw.body, 'utf8');
}

function addresses(field: AddressObject | AddressObject[] | undefined): { address: string; name?: string }[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list
    .flatMap((a) => a.value)
    .flatMap((v) => (v.group ? v.group : [v]))
    .filter((v) => !!v.address)
    .map((v) => ({ address: v.address!.toLowerCase(), ...(v.name ? { name: v.name } : {}) }));
}

function attachmentKind(mimeType: string): InboundAttachment['kind'] {
  const top = (mimeType.split('/')[0] ?? '').toLowerCase();
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'file';
}

function toAttachments(list: Attachment[]): InboundAttachment[] {
  const usedSources = new Set<string>();
  return list.map((a, index) => {
    const contentId = a.cid?.replace(/^<|>$/g, '') || undefined;
    // Two parts may claim one Content-ID; the second is addressed by its part number.
    let source = contentId ? `cid:${contentId}` : `part:${a.partId ?? index + 1}`;
    if (usedSources.has(source)) source = `part:${a.partId ?? index + 1}`;
    usedSources.add(source);
    return {
      kind: attachmentKind(a.contentType),
      source,
      ...(a.filename ? { fileName: a.filename } : {}),
      mimeType: a.contentType,
      fileSize: a.size,
      inline: { base64: a.content.toString('base64'), ...(contentId ? { contentId } : {}) },
    };
  });
}

function messageType(content: string, attachments: InboundAttachment[]): MessageType {
  if (content.trim() || !attachments.length) return 'text';
  return attachments.every((a) => a.kind === 'image') ? 'image' : 'file';
}

function syntheticId(bytes: Buffer): string {
  return `<${createHash('sha256').update(bytes).digest('hex')}@sha256.invalid>`;
}

export async function parseEmail(raw: RawInbound, credentials: Pick<EmailCredentials, 'fromAddress'>): Promise<NormalizedEvent[]> {
  const bytes = rawBytes(raw);
  let mail: ParsedMail;
  try {
    // Loaded by the first email parsed (a worker's job): an API process never holds mailparser.
    const { simpleParser } = await import('mailparser');
    mail = await simpleParser(bytes, {
      keepCidLinks: true,
      keepDeliveryStatus: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
    });
  } catch (e) {
    return [{ type: 'unsupported', reason: `unparseable email: ${(e as Error).message}` }];
  }
  // A part whose Content-Type header is there but empty has none: mailparser then gives a non-string.
  for (const a of mail.attachments) if (typeof a.contentType !== 'string' || !a.contentType) a.contentType = 'application/octet-stream';

  const from = addresses(mail.from)[0];
  if (isBounce(mail.headers, from?.address)) return [parseBounce(mail, bytes.toString('latin1'), raw.receivedAt)];
  if (!from) return [{ type: 'unsupported', reason: 'email without a From address' }];

  const externalId = normalizeMessageId(mail.messageId) ?? syntheticId(bytes);
  const inReplyTo = extractMessageIds(mail.headers.get('in-reply-to'));
  const references = extractMessageIds(mail.headers.get('references'));
  const to = addresses(mail.to);
  const cc = addresses(mail.cc);

  const html = typeof mail.html === 'string' && mail.html.trim() ? mail.html : undefined;
  const fullText = (mail.text?.trim() ? mail.text : html ? htmlToText(html) : '').replace(/\r\n?/g, '\n').trim();
  const content = fullText ? trimQuotedText(fullText) : '';
  const attachments = toAttachments(mail.attachments.filter((a) => !/^message\/delivery-status$/i.test(a.contentType)));

  const outbound = from.address === credentials.fromAddress.toLowerCase();
  // Our own sent copy belongs to the conversation with the person it went to.
  const party = outbound ? (to[0] ?? from) : from;

  const event: MessageEvent = {
    type: 'message',
    externalId,
    direction: outbound ? 'out' : 'in',
    contact: {
      externalId: party.address,
      identifier: party.address,
      identifierType: 'email',
      ...(party.name ? { name: party.name } : {}),
    },
    // A Date header that is no date, or one before 1970 (a truncated year), is the time it arrived.
    timestamp: (mail.date?.getTime() ?? NaN) > 0 ? mail.date!.getTime() : raw.receivedAt,
    messageType: messageType(content, attachments),
    content,
    metadata: {
      messageId: externalId,
      inReplyTo,
      references,
      to,
      cc,
      fullText,
      ...(html ? { html: sanitizeHtml(html) } : {}),
    },
    threadRefs: threadRefs(inReplyTo, references, externalId),
    ...(mail.subject ? { subject: mail.subject } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(isAutoReply(mail.headers, mail.subject) ? { automated: 'auto_reply' as const } : {}),
  };
  return [event];
}
