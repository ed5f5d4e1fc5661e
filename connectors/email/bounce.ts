/**
 * Bounces: delivery status notifications (RFC 3464, https://www.rfc-editor.org/rfc/rfc3464)
 * and the less structured ones MTAs still send. A bounce marks the message we sent as failed.
 */
import type { ParsedMail } from 'mailparser';
import type { StatusEvent, UnsupportedEvent } from '../types.js';
import { normalizeMessageId } from './threading.js';

/** Header fields of an RFC 822 header block (unfolded), names lower-cased; first occurrence wins. */
function headerFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  const unfolded = block.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\n')) {
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (m && !fields.has(m[1]!.toLowerCase())) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return fields;
}

function headerBlock(content: string): string {
  const normalized = content.replace(/\r\n?/g, '\n');
  const end = normalized.indexOf('\n\n');
  return end === -1 ? normalized : normalized.slice(0, end);
}

/** The Message-ID of the mail that bounced. */
function originalMessageId(mail: ParsedMail, rawText: string): string | undefined {
  for (const a of mail.attachments) {
    const type = a.contentType.toLowerCase();
    if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/rfc822-headers') {
      const id = normalizeMessageId(headerFields(headerBlock(a.content.toString('utf8'))).get('message-id'));
      if (id) return id;
    }
  }
  for (const a of mail.attachments) {
    if (a.contentType.toLowerCase() !== 'message/delivery-status') continue;
    const m = /^Original-Message-ID:\s*(<[^>\s]+>)/im.exec(a.content.toString('utf8'));
    if (m) return m[1];
  }
  // Bounces that quote the original inline ("Below this line is a copy of the message."):
  // a Message-ID or Original-Message-ID line anywhere below the bounce's own header.
  const body = rawText.replace(/\r\n?/g, '\n');
  const afterHeader = body.slice(Math.max(0, body.indexOf('\n\n')));
  const m = /^(?:Original-)?Message-ID:\s*(<[^>\s]+>)/im.exec(afterHeader);
  return m?.[1];
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The reason, most precise first: Diagnostic-Code, the SMTP reply quoted in the text, Status. */
function diagnostic(mail: ParsedMail): string {
  const failed = new Set<string>();
  const xFailed = mail.headers.get('x-failed-recipients');
  if (typeof xFailed === 'string') xFailed.split(/[,\s]+/).filter(Boolean).forEach((r) => failed.add(r));

  let reason: string | undefined;
  let status: string | undefined;
  for (const a of mail.attachments) {
    if (a.contentType.toLowerCase() !== 'message/delivery-status') continue;
    // Per-recipient groups follow the per-message group, separated by blank lines.
    for (const group of a.content.toString('utf8').replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
      const f = headerFields(group);
      const action = f.get('action')?.toLowerCase();
      if (action && action !== 'failed') continue;
      const recipient = f.get('final-recipient')?.replace(/^rfc822;\s*/i, '');
      if (recipient && action === 'failed') failed.add(recipient);
      reason ??= f.get('diagnostic-code')?.replace(/^[a-z-]+;\s*/i, '');
      status ??= f.get('status');
    }
  }
  if (!reason) {
    const text = (mail.text ?? '').replace(/\r\n?/g, '\n');
    // An SMTP reply ("550 5.1.1 ...") and its continuation lines up to a blank line.
    const smtp = /(?:^|[\s:])([45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b[\s\S]*?)(?:\n\s*\n|$)/.exec(text);
    reason = smtp ? smtp[1] : undefined;
  }
  if (!reason && status) reason = `status ${status}`;
  if (!reason) {
    const lines = (mail.text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    reason = lines.slice(0, 3).join(' ') || mail.subject || 'delivery failed';
  }
  reason = collapse(reason).slice(0, 1000);
  return failed.size ? `${[...failed].join(', ')}: ${reason}` : reason;
}

/** True when a DSN reports only delays or successes, which are not failures. */
function onlyNonFailures(mail: ParsedMail): boolean {
  const actions = mail.attachments
    .filter((a) => a.contentType.toLowerCase() === 'message/delivery-status')
    .flatMap((a) => [...a.content.toString('utf8').matchAll(/^Action:\s*([a-z]+)/gim)].map((m) => m[1]!.toLowerCase()));
  return actions.length > 0 && !actions.includes('failed');
}

export function parseBounce(mail: ParsedMail, rawText: string, fallbackTime: number): StatusEvent | UnsupportedEvent {
  if (onlyNonFailures(mail)) return { type: 'unsupported', reason: 'delivery status notification without failure' };
  const externalId = originalMessageId(mail, rawText);
  if (!externalId) return { type: 'unsupported', reason: 'bounce without original message id' };
  return {
    type: 'status',
    externalId,
    status: 'failed',
    timestamp: (mail.date?.getTime() ?? NaN) > 0 ? mail.date!.getTime() : fallbackTime,
    error: diagnostic(mail),
  };
}
