/**
 * Files an attacker sends to get script onto the hub's origin. Each payload, if it ever ran, would
 * log and title `PWNED:<name>` and call `/pwned/<name>` with whatever token it found in localStorage
 * (how the original finding stole an admin's session); the browser suite watches for all three.
 */
const payload = (name: string) =>
  `console.log('PWNED:${name}');document.title='PWNED:${name}';fetch('/pwned/${name}?t='+encodeURIComponent(JSON.stringify(Object.assign({},localStorage))))`;
export const html = (name: string) =>
  `<!doctype html><html><body><h1>invoice</h1><script>${payload(name)}</script><img src=x onerror="${payload(name).replace(/"/g, '&quot;')}"></body></html>`;

export type Polyglot = { name: string; claimed: string; body: Buffer };

/** Mislabeled or script-carrying files whose bytes prove no allowed type: stored as application/octet-stream. */
export const POLYGLOTS: Polyglot[] = [
  { name: 'html-as.png', claimed: 'image/png', body: Buffer.from(html('html-as-png')) },
  { name: 'stacked.png', claimed: 'image/png,text/html', body: Buffer.from(html('stacked')) },
  { name: 'type-a.bin', claimed: 'type/a,text/html', body: Buffer.from(html('type-a')) },
  {
    name: 'logo.svg',
    claimed: 'image/svg+xml',
    body: Buffer.from(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${payload('svg-onload').replace(/"/g, '&quot;')}"><script>${payload('svg')}</script><rect width="10" height="10"/></svg>`),
  },
  { name: 'page.html', claimed: 'text/html', body: Buffer.from(html('html')) },
  { name: 'text-claims-plain.txt', claimed: 'text/plain;text/html', body: Buffer.from(html('plain-stacked')) },
];

/** A real GIF header followed by script (a GIF/JS polyglot): it is a GIF by its bytes, and served as one. */
export const GIF_POLYGLOT: Polyglot = {
  name: 'gifar.gif',
  claimed: 'image/gif',
  body: Buffer.concat([Buffer.from('GIF89a/*'), Buffer.from(`*/=1;${payload('gif-js')};/*<script>${payload('gif-html')}</script>*/`)]),
};

export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** The start of a JFIF JPEG (enough for its magic number). */
export const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300', 'hex');
