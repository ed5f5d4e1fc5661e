/**
 * Outbound email over SMTP with nodemailer (https://nodemailer.com/smtp/), threaded with
 * Message-ID / In-Reply-To / References (RFC 5322 section 3.6.4).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { createTransport } from 'nodemailer';
import { ConnectorError, type ErrorCategory, type OutboundMessage } from '../types.js';
import type { EmailCredentials } from './credentials.js';
import { extractMessageIds, normalizeMessageId, replySubject } from './threading.js';

type SmtpCredentials = Pick<
  EmailCredentials,
  'smtpHost' | 'smtpPort' | 'smtpSecure' | 'smtpUser' | 'smtpPassword' | 'fromAddress' | 'fromName'
> & { smtpTlsRejectUnauthorized?: boolean };

type Transporter = ReturnType<typeof createTransport>;
const transporters = new Map<string, Transporter>();

async function transporterFor(c: SmtpCredentials): Promise<Transporter> {
  // Loaded by the first email sent (a worker's job): an API process never holds nodemailer.
  const { createTransport } = await import('nodemailer');
  // Keyed by a hash so the password never sits in a key that could end up in a dump or log.
  const key = createHash('sha256')
    .update(JSON.stringify([c.smtpHost, c.smtpPort, c.smtpSecure, c.smtpUser, c.smtpPassword, c.smtpTlsRejectUnauthorized ?? true]))
    .digest('hex');
  let t = transporters.get(key);
  if (!t) {
    t = createTransport({
      host: c.smtpHost,
      port: c.smtpPort,
      secure: c.smtpSecure,
      auth: { user: c.smtpUser, pass: c.smtpPassword },
      tls: { rejectUnauthorized: c.smtpTlsRejectUnauthorized ?? true },
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      // Attachments come as bytes: nodemailer itself never opens a URL or a local file.
      disableUrlAccess: true,
      disableFileAccess: true,
    });
    transporters.set(key, t);
  }
  return t;
}

/** Drops every cached transporter (tests, shutdown). */
export function closeTransporters(): void {
  for (const t of transporters.values()) t.close();
  transporters.clear();
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** nodemailer's error codes and SMTP reply codes (RFC 5321 section 4.2.1) to what the pipeline does. */
export function classifySmtpError(e: unknown): ErrorCategory {
  if (e instanceof ConnectorError) return e.category;
  const err = (e ?? {}) as SmtpError;
  const rc = err.responseCode;
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH' || rc === 535 || rc === 534 || rc === 530) return 'auth';
  if (rc && rc >= 400 && rc < 500) return 'temporary';
  if (rc === 503) return 'temporary'; // bad command sequence: a new session can succeed
  if (rc && rc >= 500 && rc < 600) return 'permanent';
  if (err.code === 'EENVELOPE') return 'permanent';
  return 'temporary';
}

function toConnectorError(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const err = (e ?? {}) as SmtpError;
  const category = classifySmtpError(e);
  const code = err.responseCode ? String(err.responseCode) : err.code;
  return new ConnectorError(category, err.response ?? err.message ?? 'SMTP send failed', code);
}

export async function sendEmail(message: OutboundMessage, credentials: SmtpCredentials): Promise<{ externalId: string }> {
  const thread = message.thread ?? {};
  const domain = credentials.fromAddress.split('@')[1] ?? 'localhost';
  const messageId = normalizeMessageId(thread.messageId) ?? `<${randomUUID()}@${domain}>`;
  // A quoted reply answers that mail; otherwise the thread's latest.
  const inReplyTo = normalizeMessageId(message.replyTo?.externalId ?? thread.inReplyTo);
  const references = extractMessageIds(thread.references ?? []);
  // RFC 5322 3.6.4: References ends with the parent's id.
  if (inReplyTo) {
    const at = references.indexOf(inReplyTo);
    if (at >= 0) references.splice(at, 1);
    references.push(inReplyTo);
  }
  const replying = !!inReplyTo || references.length > 0;

  const missing = message.attachments?.find((a) => !a.content);
  if (missing) throw new ConnectorError('permanent', `The file ${missing.fileName ?? ''} has no content to attach`.replace('  ', ' '), 'no_content');
  const transporter = await transporterFor(credentials);
  try {
    await transporter.sendMail({
      from: credentials.fromName ? { name: credentials.fromName, address: credentials.fromAddress } : credentials.fromAddress,
      to: message.to.name ? { name: message.to.name, address: message.to.identifier } : message.to.identifier,
      disableUrlAccess: true,
      disableFileAccess: true,
      subject: replying ? replySubject(thread.subject) : (thread.subject ?? ''),
      text: message.content,
      messageId,
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references.length ? { references: references.join(' ') } : {}),
      ...(message.attachments?.length
        ? {
            attachments: message.attachments.map((a) => ({
              content: a.content,
              ...(a.fileName ? { filename: a.fileName } : {}),
              ...(a.mimeType ? { contentType: a.mimeType } : {}),
            })),
          }
        : {}),
    });
  } catch (e) {
    throw toConnectorError(e);
  }
  return { externalId: messageId };
}
