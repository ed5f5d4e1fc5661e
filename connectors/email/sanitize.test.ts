import { describe, expect, it } from 'vitest';
import { htmlToText, sanitizeHtml } from './sanitize.js';
import { trimQuotedText } from './quote.js';
import { extractMessageIds, normalizeMessageId, replySubject, threadRefs } from './threading.js';

describe('sanitizeHtml', () => {
  it('drops scripts, styles, frames, objects, embeds and forms with their active content', () => {
    const out = sanitizeHtml(
      '<p>Hi</p><script>alert(1)</script><style>p{}</style><iframe src="https://x"></iframe>' +
        '<object data="x"></object><embed src="x"><form action="https://evil"><input name="a"><button>Go</button>Text</form>',
    );
    expect(out).toBe('<p>Hi</p>Text');
  });

  it('drops event handlers and script URLs, keeps safe links and cid images', () => {
    const out = sanitizeHtml(
      '<a href="javascript:alert(1)" onclick="x()">a</a><a href="JaVa&#x09;script:alert(1)">b</a>' +
        '<a href="https://ok.example/?a=1&amp;b=2">c</a><img src="cid:ii_1" onerror="x()" alt="pic">' +
        '<img src="data:text/html;base64,PHNjcmlwdD4=">',
    );
    expect(out).toBe(
      '<a>a</a><a>b</a><a href="https://ok.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">c</a>' +
        '<img src="cid:ii_1" alt="pic"><img>',
    );
  });

  it('drops dangerous inline styles, escapes stray markup and closes open tags', () => {
    expect(sanitizeHtml('<div style="background:url(javascript:x)">x</div>')).toBe('<div>x</div>');
    expect(sanitizeHtml('<b>1 < 2 <i>open')).toBe('<b>1 &lt; 2 <i>open</i></b>');
    expect(sanitizeHtml('<!-- c --><svg><script>x</script></svg>ok')).toBe('ok');
  });

  it('drops nested same-name elements to the matching close, keeps text after a self-closing one', () => {
    expect(sanitizeHtml('<svg><svg></svg>in</svg>out')).toBe('out');
    expect(sanitizeHtml('<script/>after')).toBe('after');
    expect(sanitizeHtml('a<style>never closed <b>x</b>')).toBe('a');
  });
});

describe('htmlToText', () => {
  it('reads a tag left open by a stray quote as text (found by the parse property test; it used to hang)', () => {
    const html = '<div><b>Tejaswini Chile.</b><br></div><span style="font-family:times new roma><b>Tejaswini Chile.</b><br></div>' +
      '<span style="font-family:times new roman,serif"><span></span>Software developer</span><br></div><b>Mob:8485827731 | </b>';
    const text = htmlToText(html);
    expect(text).toContain('Software developer');
    expect(text).toContain('Mob:8485827731');
    expect(sanitizeHtml(html)).toContain('Software developer');
  });

  it('turns blocks into lines, decodes entities, quotes blockquotes', () => {
    expect(htmlToText('<div>Hello&nbsp;there</div><p>A &amp; B</p><blockquote><p>old</p></blockquote><ul><li>one</li><li>two</li></ul>')).toBe(
      'Hello\u00a0there\nA & B\n> old\n- one\n- two',
    );
  });

  it('drops scripts, styles and the head with their content', () => {
    expect(htmlToText('<head><title>T</title><style>p{}</style></head><p>Hi</p><script>x()</script>there')).toBe('Hi\nthere');
    expect(htmlToText('<svg><svg></svg>in</svg>out<script/>!')).toBe('out!');
    expect(htmlToText('a<style>never closed')).toBe('a');
  });
});

describe('trimQuotedText', () => {
  it('cuts at -----Original Message-----', () => {
    expect(trimQuotedText('Thanks!\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold')).toBe('Thanks!');
  });
  it('cuts at a French attribution', () => {
    expect(trimQuotedText('Merci\n\nLe lun. 11 mars 2024 à 10:00, Support <s@h> a écrit :\n> old')).toBe('Merci');
  });
  it('keeps an "On ... wrote:" sentence that is not followed by a quote', () => {
    const text = 'On Monday you wrote:\nthat it was fine. Still is.';
    expect(trimQuotedText(text)).toBe(text);
  });
  it('shows the whole text when everything is quoted', () => {
    expect(trimQuotedText('> only a quote')).toBe('> only a quote');
  });
});

describe('threading', () => {
  it('normalizes ids to the exact bracketed form', () => {
    expect(normalizeMessageId('  <Abc@X> ')).toBe('<Abc@X>');
    expect(normalizeMessageId('Abc@X')).toBe('<Abc@X>');
    expect(normalizeMessageId('')).toBeUndefined();
    expect(extractMessageIds('a@x, b@y')).toEqual(['<a@x>', '<b@y>']);
    expect(threadRefs('<p@x>', ['<r1@x>', '<r2@x>', '<p@x>'])).toEqual(['<p@x>', '<r2@x>', '<r1@x>']);
  });
  it('prefixes exactly one "Re: "', () => {
    expect(replySubject('Hello')).toBe('Re: Hello');
    expect(replySubject('Re: Hello')).toBe('Re: Hello');
    expect(replySubject('RE: re: Hello')).toBe('Re: Hello');
    expect(replySubject('AW: Hello')).toBe('Re: Hello');
  });
});
