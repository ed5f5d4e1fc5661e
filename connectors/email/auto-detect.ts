/**
 * Machine-written mail: auto-replies (RFC 3834, https://www.rfc-editor.org/rfc/rfc3834) and
 * delivery status notifications (RFC 3464, https://www.rfc-editor.org/rfc/rfc3464).
 */
import type { Headers } from 'mailparser';

function header(headers: Headers, name: string): string | undefined {
  const v = headers.get(name);
  if (v == null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(' ');
  if (v instanceof Date) return v.toISOString();
  if ('value' in v && typeof v.value === 'string') return v.value;
  if ('text' in v) return v.text;
  return String(v);
}

const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response|antwort)|auto:|out of (the )?office|ooo\b|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|resposta autom[aá]tica)/i;

export function isAutoReply(headers: Headers, subject: string | undefined): boolean {
  const autoSubmitted = header(headers, 'auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return true;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder']) {
    const v = header(headers, name)?.trim().toLowerCase();
    if (v !== undefined && v !== 'no' && v !== 'false') return true;
  }
  const precedence = header(headers, 'precedence')?.trim().toLowerCase();
  if (precedence && ['auto_reply', 'bulk', 'junk'].includes(precedence)) return true;
  // Outlook marks its own automatic replies with X-Auto-Response-Suppress, but so do some
  // ordinary mails: only the subject settles it, and the subject alone is enough.
  return !!subject && AUTO_REPLY_SUBJECT.test(subject);
}

export function isBounce(headers: Headers, fromAddress: string | undefined): boolean {
  const ct = headers.get('content-type');
  if (ct && typeof ct === 'object' && 'value' in ct && 'params' in ct) {
    const type = String(ct.value).toLowerCase();
    const reportType = String(ct.params['report-type'] ?? '').toLowerCase();
    if (type === 'multipart/report' && reportType === 'delivery-status') return true;
  }
  const local = fromAddress?.split('@')[0]?.toLowerCase();
  return local === 'mailer-daemon' || local === 'postmaster';
}
