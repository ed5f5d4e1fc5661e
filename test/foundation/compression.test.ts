// The built web app and the widget are sent compressed to browsers that accept it, plain to others.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

const DIST = new URL('../../dist/', import.meta.url);
const built = (path: string) => readFileSync(new URL(path.replace(/^\//, ''), DIST));
/** The first script and stylesheet a built page loads. */
const assetsOf = (html: string) => ({
  script: html.match(/<script[^>]+src="([^"]+)"/)![1]!,
  style: html.match(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/)![1]!,
});

let hub: TestHub;
let websiteToken: string;

/** A GET that keeps the bytes as sent (fetch would decode them). */
function rawGet(path: string, acceptEncoding?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(path, hub.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const DECODE: Record<string, (b: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };

/** Fetches `path` with `acceptEncoding` and checks it arrives as `encoding`, decoding to exactly `file`. */
async function expectServed(path: string, acceptEncoding: string | undefined, encoding: 'br' | 'gzip' | undefined, file: Buffer) {
  const res = await rawGet(path, acceptEncoding);
  expect(res.status, path).toBe(200);
  expect(res.headers['content-encoding'], `${path} with ${acceptEncoding}`).toBe(encoding);
  expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
  if (encoding) {
    expect(res.body.length).toBeLessThan(file.length);
    expect(DECODE[encoding]!(res.body).equals(file)).toBe(true);
  } else {
    expect(res.body.equals(file)).toBe(true);
  }
  return res;
}

beforeAll(async () => {
  hub = await startTestHub();
  const admin = await hub.login();
  const ch = await hub.request('POST', '/api/channels', { token: admin, body: { kind: 'web_chat', name: 'Site', credentials: { allowedOrigins: ['http://127.0.0.1:45999'] } } });
  expect(ch.status, ch.text).toBe(201);
  websiteToken = ch.body.websiteToken;
});
afterAll(() => hub?.close());

describe('the web app', () => {
  const page = built('web/index.html');
  const { script, style } = assetsOf(page.toString('utf8'));

  it('sends the main script as Brotli when accepted, with its year-long cache', async () => {
    const res = await expectServed(script, 'gzip, deflate, br', 'br', built(`web${script}`));
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    // Again, from what the first answer compressed.
    await expectServed(script, 'br', 'br', built(`web${script}`));
  });

  it('sends gzip to a browser that takes only gzip (or refuses br), and plain bytes without Accept-Encoding', async () => {
    await expectServed(script, 'gzip', 'gzip', built(`web${script}`));
    await expectServed(script, 'br;q=0, gzip;q=0.8', 'gzip', built(`web${script}`));
    await expectServed(script, undefined, undefined, built(`web${script}`));
    await expectServed(script, 'identity', undefined, built(`web${script}`));
    await expectServed(script, '*;q=0', undefined, built(`web${script}`));
  });

  it('compresses the stylesheet; the page too unless it is under 1 KB', async () => {
    await expectServed(style, 'br, gzip', 'br', built(`web${style}`));
    const res = await expectServed('/chat', 'gzip', page.length >= 1024 ? 'gzip' : undefined, page);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('the widget', () => {
  const frame = built('widget/index.html');
  const { script, style } = assetsOf(frame.toString('utf8'));

  it('sends /widget.js, the frame and its assets compressed when accepted, plain otherwise', async () => {
    await expectServed('/widget.js', 'br, gzip', 'br', built('widget/loader.js'));
    await expectServed('/widget.js', undefined, undefined, built('widget/loader.js'));
    const res = await expectServed(`/widget/frame?websiteToken=${websiteToken}`, 'br, gzip', 'br', frame);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self' http://127.0.0.1:45999");
    await expectServed(script, 'gzip', 'gzip', built(`widget${script.replace(/^\/widget/, '')}`));
    await expectServed(style, 'br', 'br', built(`widget${style.replace(/^\/widget/, '')}`));
  });
});
