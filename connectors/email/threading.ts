/**
 * Message-ID handling and reply threading, RFC 5322 section 3.6.4:
 * https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4
 *
 * One normal form everywhere (externalId, threadRefs, outbound headers): the id exactly as
 * written, angle brackets included, surrounding whitespace removed. The local part is
 * case-sensitive, so ids are never lower-cased.
 */

/** `<id>` from a bare or bracketed id; undefined for an empty one. */
export function normalizeMessageId(id: string | undefined | null): string | undefined {
  if (!id) return undefined;
  const trimmed = id.trim();
  const bracketed = /<([^<>\s]+)>/.exec(trimmed);
  if (bracketed) return `<${bracketed[1]}>`;
  const bare = trimmed.replace(/^<|>$/g, '').trim();
  return bare && !/\s/.test(bare) ? `<${bare}>` : undefined;
}

/** Every id in an In-Reply-To or References header value, in header order. */
export function extractMessageIds(value: unknown): string[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => extractMessageIds(v));
  const text = String(value);
  const bracketed = text.match(/<[^<>\s]+>/g);
  if (bracketed) return bracketed;
  // Some clients write bare ids separated by spaces or commas.
  return text
    .split(/[\s,]+/)
    .map((t) => normalizeMessageId(t))
    .filter((t): t is string => !!t);
}

/**
 * Every id this message refers to: In-Reply-To first (the direct parent), then References
 * newest to oldest, without duplicates and without the message's own id.
 */
export function threadRefs(inReplyTo: unknown, references: unknown, ownId?: string): string[] {
  const ordered = [...extractMessageIds(inReplyTo), ...extractMessageIds(references).reverse()];
  const seen = new Set<string>(ownId ? [ownId] : []);
  const out: string[] = [];
  for (const id of ordered) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** A reply's subject: exactly one "Re: ", whatever prefixes (Re, RE, Fwd-less AW, Re[2]) it had. */
export function replySubject(subject: string | undefined): string {
  const base = (subject ?? '').replace(/^\s*((re|aw|sv|antw)(\[\d+\])?\s*:\s*)+/i, '').trim();
  return `Re: ${base}`.trimEnd();
}
