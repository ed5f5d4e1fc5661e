import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { cors } from 'hono/cors';
import { Hono, type MiddlewareHandler } from 'hono';
import { originAllowed } from '../security/origins.js';
import { routePath } from 'hono/route';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';
import { errorHandler } from './errors.js';
import type { AppEnv } from './env.js';
import { healthRoutes } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';
import { mediaRoutes } from './routes/media.js';
import { apiRoutes } from './api.js';
import { queueBoardRoutes } from './routes/queue-board.js';
import { fileURLToPath } from 'node:url';
import { clientAddress } from './client-address.js';
import { widgetRoutes } from './routes/widget.js';
import { webRoutes } from '../../web/serve.js';

/** The headers a middleware sets on an answer, read once from a probe request. */
async function headersOf(middleware: MiddlewareHandler): Promise<Record<string, string>> {
  const probe = new Hono();
  probe.use(middleware);
  probe.get('/', (c) => c.body(null, 204));
  return Object.fromEntries((await probe.request('/')).headers);
}

/** The hub's HTTP surface; tests call `app.request()` on it without a server. */
export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(errorHandler(deps.log));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.metrics.httpRequests.observe(
      { method: c.req.method, route: routePath(c), status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });
  // Handlers that set their own policy keep it (the app's page, /media); everything else gets the strictest.
  const strict = secureHeaders({
    crossOriginResourcePolicy: false,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    overwrite: false,
  });
  // A webhook's answers carry the same headers from a plain object, captured once from `strict`:
  // the middleware builds a web Headers object per answer, about a sixth of the hottest route's CPU.
  // Its refusals (from the error handler) get them the usual way.
  const webhookHeaders = headersOf(strict);
  app.use('*', async (c, next) => {
    if (!c.req.path.startsWith('/webhooks/')) return strict(c, next);
    await next();
    if (c.res.status >= 400) await strict(c, async () => undefined);
  });
  app.use('/api/*', cors({
    origin: (origin, c) => (originAllowed(deps, origin, c.req.header('host')) ? origin : null),
    allowHeaders: ['authorization', 'content-type'],
    allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    maxAge: 600,
  }));
  const limit = bodyLimit({
    maxSize: deps.config.bodyLimitBytes,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `Body larger than ${deps.config.bodyLimitBytes} bytes`);
    },
  });
  // Webhooks read their raw body themselves, with the same limit (src/http/raw-body.ts).
  // Uploads have their own, larger limit (src/http/routes/media.ts).
  app.use('/api/*', (c, next) => (c.req.path === '/api/uploads' ? next() : limit(c, next)));
  app.use('/api/*', async (c, next) => {
    c.set('em', deps.orm.em.fork());
    c.set('address', clientAddress(c, deps.config.trustProxy));
    await next();
  });

  app.route('/', healthRoutes(deps));
  app.route('/api', apiRoutes(deps));
  app.route('/', webhookRoutes(deps, webhookHeaders));
  app.route('/', mediaRoutes(deps));
  app.route('/', queueBoardRoutes(deps));
  app.route('/', widgetRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Omnichannel Inbox Hub', version: '0.1.0' } });
  // Swagger UI is a CDN bundle started by one inline script: its page alone allows those.
  app.get('/docs', async (c, next) => {
    await next();
    c.res.headers.set('content-security-policy', "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: https://cdn.jsdelivr.net; connect-src 'self'; frame-ancestors 'none'");
  }, swaggerUI({ url: '/openapi.json' }));
  // The browser app last: it answers only its own client routes and assets.
  app.route('/', webRoutes(fileURLToPath(new URL('../../dist/web', import.meta.url))));
  return app;
}
export type App = ReturnType<typeof createApp>;
