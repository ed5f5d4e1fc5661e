import type { Sql } from './sql.js';

/**
 * Full-history message search (migration Migration20261201201500_agent_tools):
 * - words, as prefixes, through the `hub_search` text configuration (accents folded): the stored
 *   `messages.search_vector` and its GIN index `messages_search_fts_idx`;
 * - the query as a substring, accents folded, through the trigram index `messages_search_trgm_idx`
 *   (identifiers, parts of words: "2231", "dupont@exa").
 * Snippets come from ts_headline with private-use characters as markers, turned into plain text
 * and highlight ranges here, so nothing in a message is ever taken for markup.
 */

const START = '\uE000';
const STOP = '\uE001';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

/** Words as prefixes joined by AND, in to_tsquery syntax; only letters and digits survive. */
export function prefixQuery(q: string): string | null {
  const words = q.normalize('NFC').split(/[^\p{L}\p{N}]+/u).filter(Boolean).slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

/** The query as a LIKE pattern (contains), its wildcards escaped; too short to narrow by trigrams gives null. */
export function containsPattern(q: string): string | null {
  const t = q.trim();
  return t.length >= 3 ? `%${t.replace(/[%_\\]/g, '\\$&')}%` : null;
}

export type SearchRow = { id: string; conversation_id: string; headline: string; content: string };

/** How many of the organization's newest messages the first, time-ordered look reads. */
const RECENT_WINDOW = 2000;

/**
 * The newest `limit` messages of the organization matching `q`, with ts_headline snippets. Two
 * looks, because neither plan is good for every word: a common word is found among the newest
 * messages at once (read newest first, a few thousand rows at most), while a rare one is found
 * through the GIN indexes (every hit, then the newest). Postgres cannot tell which from a
 * prefix or substring, and its guess, a newest-first scan, reads the whole history for a word
 * that has no hits.
 */
export async function searchMessages(sql: Sql, orgId: string, q: string, limit: number): Promise<SearchRow[]> {
  const tsq = prefixQuery(q);
  const like = containsPattern(q);
  if (!tsq && !like) return [];
  const matches = (m: string) => [
    tsq ? `${m}.search_vector @@ to_tsquery('public.hub_search'::regconfig, $2)` : null,
    like ? `public.hub_unaccent(${m}.content) like public.hub_unaccent($3)` : null,
  ].filter(Boolean).join(' or ');
  const recent = `select r.id, r.conversation_id, r.content, r.timestamp, r.seq from (
      select m.id, m.conversation_id, m.content, m.timestamp, m.seq, m.search_vector from messages m
      where m.organization_id = $1 order by m.timestamp desc, m.seq desc limit ${RECENT_WINDOW}
    ) r where ${matches('r')} order by r.timestamp desc, r.seq desc limit $4`;
  // Each index on its own (an OR across both would make Postgres pick the scan again).
  const indexed = (tsq ? [`select m.id, m.conversation_id, m.content, m.timestamp, m.seq from messages m
      where m.organization_id = $1 and m.search_vector @@ to_tsquery('public.hub_search'::regconfig, $2)`] : [])
    .concat(like ? [`select m.id, m.conversation_id, m.content, m.timestamp, m.seq from messages m
      where m.organization_id = $1 and public.hub_unaccent(m.content) like public.hub_unaccent($3)`] : []);
  const everywhere = `with found as materialized (${indexed.join(' union ')})
    select * from found order by timestamp desc, seq desc limit $4`;
  const params = [orgId, tsq ?? '', like ?? '', limit, START + STOP, HEADLINE_OPTIONS];
  const withHeadlines = (hits: string) => sql.query<SearchRow>(
    `with hits as (${hits})
     select h.id, h.conversation_id, h.content,
       ts_headline('public.hub_search'::regconfig, translate(h.content, $5, ''),
                   coalesce(to_tsquery('public.hub_search'::regconfig, nullif($2, '')), ''::tsquery), $6) as headline
     from hits h order by h.timestamp desc, h.seq desc`,
    params,
  );
  const first = await withHeadlines(recent);
  return first.length >= limit ? first : withHeadlines(everywhere);
}

export type Snippet = { text: string; highlights: { start: number; length: number }[] };

/** ts_headline output with our markers to plain text and ranges. */
export function parseHeadline(headline: string): Snippet {
  let text = '';
  const highlights: Snippet['highlights'] = [];
  let open = -1;
  for (const ch of headline) {
    if (ch === START) open = text.length;
    else if (ch === STOP) {
      if (open >= 0 && text.length > open) highlights.push({ start: open, length: text.length - open });
      open = -1;
    } else text += ch;
  }
  return { text, highlights };
}

/** One character at a time, accents and case folded, so indexes in the folded text are indexes in the original. */
const foldChar = (ch: string) => {
  const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  return f.length === ch.length ? f : ch.toLowerCase().slice(0, ch.length).padEnd(ch.length, '\0');
};
const fold = (s: string) => Array.from(s, foldChar).join('');

/**
 * The snippet of one hit: ts_headline's when it marked a word; else (a substring match, such as
 * part of an email address) a window of the content around the first occurrence of the query.
 */
export function snippetFor(row: Pick<SearchRow, 'headline' | 'content'>, q: string, width = 160): Snippet {
  const parsed = parseHeadline(row.headline);
  if (parsed.highlights.length) return parsed;
  const needle = fold(q.trim());
  const content = row.content.replaceAll(START, '').replaceAll(STOP, '');
  const at = needle ? fold(content).indexOf(needle) : -1;
  if (at < 0) return { text: parsed.text, highlights: [] };
  const from = Math.max(0, at - Math.floor((width - needle.length) / 3));
  const to = Math.min(content.length, from + width);
  const prefix = from > 0 ? '… ' : '';
  return {
    text: prefix + content.slice(from, to) + (to < content.length ? ' …' : ''),
    highlights: [{ start: prefix.length + at - from, length: needle.length }],
  };
}
