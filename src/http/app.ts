import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { cors } from 'hono/cors';
import { originAllowed } from '../security/origins.js';
import { routePath } from 'hono/route';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';
import { errorHandler } from './errors.js';
import type { AppEnv } from './env.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { organizationRoutes } from './routes/organizations.js';
import { channelRoutes } from './routes/channels.js';
import { webhookRoutes } from './routes/webhooks.js';
import { mediaRoutes } from './routes/media.js';
import { conversationRoutes } from './routes/conversations.js';
import { crmRoutes } from './routes/crm.js';
import { botPromptRoutes } from './routes/bot-prompts.js';
import { webhookEventRoutes } from './routes/webhook-events.js';
import { queueBoardRoutes } from './routes/queue-board.js';
import { fileURLToPath } from 'node:url';
import { clientAddress } from './client-address.js';
import { inviteRoutes } from './routes/invites.js';
import { auditRoutes } from './routes/audit.js';
import { searchRoutes } from './routes/search.js';
import { cannedResponseRoutes } from './routes/canned-responses.js';
import { webRoutes } from '../../web/serve.js';

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
  app.use('*', secureHeaders({
    crossOriginResourcePolicy: false,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    overwrite: false,
  }));
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
  app.route('/', authRoutes(deps));
  app.route('/', userRoutes(deps));
  app.route('/', organizationRoutes(deps));
  app.route('/', inviteRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', channelRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', mediaRoutes(deps));
  app.route('/', conversationRoutes(deps));
  app.route('/', searchRoutes(deps));
  app.route('/', cannedResponseRoutes(deps));
  app.route('/', crmRoutes(deps));
  app.route('/', botPromptRoutes(deps));
  app.route('/', webhookEventRoutes(deps));
  app.route('/', queueBoardRoutes(deps));

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
