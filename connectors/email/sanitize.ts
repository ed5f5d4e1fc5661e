/**
 * A small allow-list HTML sanitizer for displaying inbound mail, and an HTML-to-text
 * conversion for HTML-only mail. Allow-list rather than block-list, after the OWASP XSS
 * prevention cheat sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
 *
 * It works on tokens, not a DOM: every tag is rebuilt from the allowed parts of what was
 * parsed, so whatever does not tokenize as a tag is escaped as text.
 */

const ALLOWED_TAGS = new Set([
  'a', 'abbr', 'address', 'b', 'bdi', 'bdo', 'blockquote', 'br', 'caption', 'center', 'cite', 'code',
  'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre',
  'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul', 'wbr',
]);
/** Dropped with everything inside them. */
const DROP_WITH_CONTENT = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'applet', 'noscript',
  'template', 'head', 'title', 'svg', 'math', 'select', 'textarea', 'button', 'noembed', 'noframes',
  'xmp', 'plaintext',
]);
const VOID_TAGS = new Set(['br', 'col', 'hr', 'img', 'wbr']);
const ALLOWED_ATTRS = new Set([
  'href', 'src', 'alt', 'title', 'width', 'height', 'align', 'valign', 'colspan', 'rowspan',
  'cellpadding', 'cellspacing', 'border', 'bgcolor', 'color', 'face', 'size', 'style', 'dir',
  'lang', 'class', 'start', 'type', 'cite', 'datetime', 'scope', 'headers', 'abbr', 'span',
]);
const URL_ATTRS = new Set(['href', 'src', 'cite']);
const SAFE_URL = /^(https?:|mailto:|tel:|cid:|#|\/|\.\.?\/|[^:]*$)/i;
const SAFE_DATA_IMAGE = /^data:image\/(png|gif|jpe?g|webp|bmp);base64,[a-z0-9+/=\s]*$/i;
const UNSAFE_STYLE = /expression\s*\(|javascript:|vbscript:|behaviou?r\s*:|-moz-binding|@import|url\s*\(/i;

// Each attribute name and unquoted value is matched whole (the lookaheads): without them a tag
// left open by a stray quote backtracks through every way of splitting its names (exponential).
const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*>|<\?[^>]*>|<\/?([a-zA-Z][a-zA-Z0-9:-]*)((?:\s*[^\s"'<>/=]+(?![^\s"'<>/=])(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+(?![^\s"'=<>`])))?|\s*\/)*)\s*>/g;
const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•',
  euro: '€', trade: '™', middot: '·', laquo: '«', raquo: '»', zwnj: '\u200c', zwj: '\u200d',
  colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')', sol: '/',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);?/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? m;
  });
}

function escapeText(s: string): string {
  return s.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function safeUrl(value: string, tag: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const v = decodeEntities(value).replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (tag === 'img' && SAFE_DATA_IMAGE.test(v)) return true;
  return SAFE_URL.test(v);
}

function cleanAttributes(tag: string, raw: string): string {
  let out = '';
  for (const m of raw.matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    if (!ALLOWED_ATTRS.has(name)) continue; // on* handlers, srcdoc, formaction, ...
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (URL_ATTRS.has(name) && !safeUrl(value, tag)) continue;
    if (name === 'style' && UNSAFE_STYLE.test(decodeEntities(value))) continue;
    out += ` ${name}="${escapeAttr(decodeEntities(value))}"`;
  }
  if (tag === 'a' && /\shref=/.test(out)) out += ' target="_blank" rel="noopener noreferrer"';
  return out;
}

interface HtmlVisitor {
  text(raw: string): void;
  tag(name: string, attrs: string, closing: boolean): void;
}

/**
 * Walks the tokens of `html`: text between tags and every tag (name lowercased) go to the
 * visitor; comments, doctypes, CDATA and processing instructions are skipped, and
 * DROP_WITH_CONTENT elements are skipped together with everything inside them.
 */
function walkHtml(html: string, visit: HtmlVisitor): void {
  let last = 0;
  let dropping: string | null = null;
  let depth = 0;

  for (const m of html.matchAll(TOKEN)) {
    if (!dropping) visit.text(html.slice(last, m.index));
    last = m.index! + m[0].length;

    const tagName = m[1]?.toLowerCase();
    if (!tagName) continue; // comment, doctype, CDATA, processing instruction
    const closing = m[0][1] === '/';

    if (dropping) {
      // Count nested elements of the same name so the drop ends at the matching close.
      if (tagName === dropping) depth += closing ? -1 : 1;
      if (depth === 0) dropping = null;
      continue;
    }
    if (DROP_WITH_CONTENT.has(tagName)) {
      if (!closing && !/\/\s*>$/.test(m[0])) {
        dropping = tagName;
        depth = 1;
      }
      continue;
    }
    visit.tag(tagName, m[2] ?? '', closing);
  }
  if (!dropping) visit.text(html.slice(last));
}

/** Safe-to-display HTML: allowed tags and attributes only, no scripts, handlers or script URLs. */
export function sanitizeHtml(html: string): string {
  let out = '';
  const open: string[] = [];

  walkHtml(html, {
    text(raw) {
      out += escapeText(raw);
    },
    tag(name, attrs, closing) {
      if (!ALLOWED_TAGS.has(name)) return; // html, body, form, input, meta, link, base, ...
      if (closing) {
        const at = open.lastIndexOf(name);
        if (at === -1) return;
        // Close whatever was left open inside it, so the output stays balanced.
        for (const t of open.splice(at).reverse()) out += `</${t}>`;
        return;
      }
      out += `<${name}${cleanAttributes(name, attrs)}>`;
      if (!VOID_TAGS.has(name)) open.push(name);
    },
  });
  for (const t of open.reverse()) out += `</${t}>`;
  return out;
}

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'dd', 'div', 'dl', 'dt', 'figcaption',
  'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'ol', 'p', 'pre',
  'section', 'table', 'tr', 'ul',
]);

/**
 * Readable text from mail HTML: block elements become lines, blockquotes are prefixed with
 * "> " (so quoted history trims like a plain-text reply), list items with "- ".
 */
export function htmlToText(html: string): string {
  let out = '';
  let quoteDepth = 0;
  let pre = 0;

  const addText = (raw: string) => {
    let t = pre ? decodeEntities(raw) : decodeEntities(raw.replace(/\s+/g, ' '));
    if (!out.length || out.endsWith('\n')) {
      t = t.replace(/^ +/, '');
      if (t && quoteDepth) t = '> '.repeat(quoteDepth) + t;
    }
    out += t;
  };
  const newline = () => {
    out = out.replace(/ +$/, '');
    out += '\n';
  };

  walkHtml(html, {
    text: addText,
    tag(name, attrs, closing) {
      if (name === 'br') newline();
      else if (name === 'img' && !closing) {
        const alt = /\salt\s*=\s*("([^"]*)"|'([^']*)')/i.exec(attrs);
        const label = alt?.[2] ?? alt?.[3];
        if (label) addText(`[image: ${label}]`);
      } else if (BLOCK_TAGS.has(name)) {
        if (!out.endsWith('\n') && out.length) newline();
        if (name === 'blockquote') quoteDepth = Math.max(0, quoteDepth + (closing ? -1 : 1));
        if (name === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
        if (name === 'li' && !closing) addText('- ');
      } else if ((name === 'td' || name === 'th') && closing) out += ' ';
    },
  });

  return out
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
