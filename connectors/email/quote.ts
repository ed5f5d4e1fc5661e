/**
 * Trims quoted history off a plain-text reply for display; the full text is kept beside it.
 * The markers are the ones mail clients write (Gmail/Apple "On ... wrote:", Outlook
 * "-----Original Message-----" and "From: ... Sent: ..." headers, "> " lines); see RFC 3676
 * section 4.5 for "> " quoting: https://www.rfc-editor.org/rfc/rfc3676#section-4.5
 */

/** "On <date>, <name> wrote:" in the languages clients most often send, possibly wrapped. */
const ATTRIBUTION = [
  /^On\s[\s\S]{1,400}?\bwrote:\s*$/i,
  /^Le\s[\s\S]{1,400}?a\s[ée]crit\s*:\s*$/i,
  /^Am\s[\s\S]{1,400}?schrieb[\s\S]{0,200}?:\s*$/i,
  /^El\s[\s\S]{1,400}?escribi[óo]\s*:\s*$/i,
  /^Il\s[\s\S]{1,400}?ha scritto\s*:\s*$/i,
  /^Em\s[\s\S]{1,400}?escreveu\s*:\s*$/i,
  /^Op\s[\s\S]{1,400}?schreef[\s\S]{0,200}?:\s*$/i,
];
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(Original Message|Urspr[üu]ngliche Nachricht|Message d'origine|Mensaje original|Forwarded message)\s*-{2,}\s*$/i;
const HEADER_FROM = /^\s*\*?(From|De|Von|Van|Da)\s*:\*?\s+\S/i;
const HEADER_SENT = /^\s*\*?(Sent|Date|Envoy[ée]|Gesendet|Enviado|Verzonden|Inviato|Datum)\s*:\*?\s+\S/i;
const OUTLOOK_RULE = /^\s*_{10,}\s*$/;

function quoteStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (OUTLOOK_RULE.test(line) && lines.slice(i + 1, i + 3).some((l) => HEADER_FROM.test(l))) return i;
    if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => HEADER_SENT.test(l))) return i;
    for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
      const joined = lines.slice(i, i + span).join('\n');
      if (ATTRIBUTION.some((re) => re.test(joined))) {
        // An attribution line counts only when quoted text or the end of the mail follows it.
        const rest = lines.slice(i + span).filter((l) => l.trim());
        if (!rest.length || rest[0]!.startsWith('>')) return i;
      }
    }
  }
  return -1;
}

/** The new part of a reply: everything before the first quote marker, minus "> " lines. */
export function trimQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const start = quoteStart(lines);
  const kept = (start === -1 ? lines : lines.slice(0, start)).filter((l) => !/^\s*>/.test(l));
  const trimmed = kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  // A mail that is all quote (a bare forward) shows in full rather than as nothing.
  return trimmed || text.trim();
}
