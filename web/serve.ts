/**
 * Serves the built browser app (dist/web) from the hub: hashed assets with a year-long
 * immutable cache, index.html (never cached, with a strict CSP) for the app's client routes;
 * scripts, styles and the page compressed for browsers that accept it (compress.ts).
 * Mount after the API routes: `app.route('/', webRoutes(distDir))`.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Hono, type Context } from 'hono';
import { CompressedFiles } from './compress.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Message text is rendered as text, but a CSP makes any slip inert. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The app's client-side routes: each answers with index.html. */
export const CLIENT_ROUTES = ['/', '/login', '/invite', '/account', '/chat', '/chat/*', '/admin', '/admin/*'];

export function webRoutes(distDir: string): Hono {
  const root = resolve(distDir);
  const app = new Hono();
  const compressed = new CompressedFiles();

  /** The file's bytes and a key that changes when a rebuild replaces it. */
  async function file(relative: string): Promise<{ data: Buffer; key: string } | null> {
    const full = resolve(root, '.' + sep + relative);
    if (full !== root && !full.startsWith(root + sep)) return null; // no path traversal
    try {
      const info = await stat(full);
      if (!info.isFile()) return null;
      return { data: await readFile(full), key: `${full}:${info.mtimeMs}:${info.size}` };
    } catch {
      return null;
    }
  }

  /** The file as the browser accepts it: compressed when it can decode it. */
  const encoded = (c: Context, f: { data: Buffer; key: string }, type: string) => compressed.encode(f.key, f.data, type, c.req.header('accept-encoding'));

  const index = async (c: Context) => {
    const html = await file('index.html');
    if (!html) return c.text('The web app is not built: run `npm run build:web`.', 503);
    const { body, headers } = await encoded(c, html, TYPES['.html']!);
    return c.body(new Uint8Array(body), 200, {
      ...headers,
      'content-type': TYPES['.html'],
      'cache-control': 'no-cache',
      'content-security-policy': APP_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  };

  const asset = (immutable: boolean) => async (c: Context) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.notFound();
    }
    if (path.includes('\0')) return c.notFound();
    const found = await file(path.replace(/^\/+/, ''));
    if (!found) return c.json({ error: { code: 'not_found', message: `No file ${path}` } }, 404);
    const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    const { body, headers } = await encoded(c, found, type);
    return c.body(new Uint8Array(body), 200, {
      ...headers,
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
  };

  // Vite's content-hashed bundles never change under one name.
  app.get('/assets/*', asset(true));
  // Other files at the top of dist/web (none today: favicon is inline).
  app.get('/:file{[^/]+\\.(?:ico|png|svg|txt|webmanifest|json)}', asset(false));
  for (const route of CLIENT_ROUTES) app.get(route, index);
  return app;
}
