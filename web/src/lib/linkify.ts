/**
 * Splits message text into plain-text and link segments. The view renders segments as text
 * nodes and <a> elements, never as HTML, so message content can't inject markup.
 */
export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_RE = /\b((?:https?:\/\/|www\.)[^\s<>"']+)/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let raw = m[1];
    const start = m.index ?? 0;
    // Leave closing punctuation outside the link, but keep balanced parentheses.
    const trail = TRAILING.exec(raw)?.[0] ?? '';
    if (trail && !(trail.startsWith(')') && raw.includes('('))) raw = raw.slice(0, raw.length - trail.length);
    const href = /^www\./i.test(raw) ? `https://${raw}` : raw;
    let safe = '';
    try {
      const u = new URL(href);
      if (u.protocol === 'http:' || u.protocol === 'https:') safe = u.href;
    } catch { /* not a URL: leave as text */ }
    if (!safe) continue;
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) });
    out.push({ kind: 'link', text: raw, href: safe });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}
