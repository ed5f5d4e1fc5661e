/**
 * Serves the built browser app (dist/web) from the hub: hashed assets with a year-long
 * immutable cache, index.html (never cached, with a strict CSP) for the app's client routes.
 * Mount after the API routes: `app.route('/', webRoutes(distDir))`.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Hono, type Context } from 'hono';

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

  async function file(relative: string): Promise<Buffer | null> {
    const full = resolve(root, '.' + sep + relative);
    if (full !== root && !full.startsWith(root + sep)) return null; // no path traversal
    try {
      if (!(await stat(full)).isFile()) return null;
      return await readFile(full);
    } catch {
      return null;
    }
  }

  const index = async (c: Context) => {
    const html = await file('index.html');
    if (!html) return c.text('The web app is not built: run `npm run build:web`.', 503);
    return c.body(new Uint8Array(html), 200, {
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
    const body = await file(path.replace(/^\/+/, ''));
    if (!body) return c.json({ error: { code: 'not_found', message: `No file ${path}` } }, 404);
    return c.body(new Uint8Array(body), 200, {
      'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
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
