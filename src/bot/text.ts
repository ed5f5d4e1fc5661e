/** Text helpers shared by the providers: accent-insensitive whole-word matching, `{name}`. */

/** Lower case, accents removed (NFKD, combining marks dropped): "AGÊNT" -> "agent". */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `phrase` occurs in `text` as whole words, case- and accent-insensitively.
 * A word character is any Unicode letter, number or `_`, so "agent" matches "an agent!" and
 * "AGENT, please" but not "agents" or "subagent"; inner spaces of a phrase match any whitespace.
 */
export function containsPhrase(text: string, phrase: string): boolean {
  const words = foldText(phrase).trim().split(/\s+/u).filter(Boolean);
  if (words.length === 0) return false;
  const body = words.map(escapeRegExp).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'u').test(foldText(text));
}

/** "help, price list ,  " -> ["help", "price list"]. */
export function splitKeywords(keyword: string | null | undefined): string[] {
  return (keyword ?? '')
    .split(',')
    .map((k) => k.trim().replace(/\s+/gu, ' '))
    .filter(Boolean);
}

const NAME = /\{\s*name\s*\}/giu;

/**
 * Replaces `{name}` with the prospect's name, or removes it cleanly when unknown:
 * "Hi {name}!" -> "Hi!", "Hello {name}, welcome" -> "Hello, welcome", "{name}, hi" -> "hi".
 */
export function fillName(text: string, name?: string): string {
  const trimmed = name?.trim();
  if (trimmed) return text.replace(NAME, trimmed);
  return text
    .replace(/[ \t]*\{\s*name\s*\}/giu, '')
    .replace(/^[ \t]*[,;:]+[ \t]*/gmu, '')
    .replace(/[ \t]{2,}/gu, ' ')
    .trim();
}
