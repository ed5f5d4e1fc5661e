import { createRoute } from '@hono/zod-openapi';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Deps } from '../../context.js';
import { Hono } from 'hono';
import { bearerToken } from '../auth.js';
import { authenticate } from '../../domain/accounts.js';
import { QUEUE_NAMES } from '../../queue/queues.js';
import { forbidden, unauthorized } from '../../errors.js';
import { router } from '../env.js';
import { bearer, described } from '../openapi.js';
import { APP_CSP } from '../../../web/serve.js';

export const QUEUE_BOARD_PATH = '/admin/queues';
const COOKIE = 'hub_queue_board';
const AUDIENCE = 'queue-board';
const TTL_SECONDS = 15 * 60;

/**
 * Bull Board at /admin/queues, for the instance owner only. A page load cannot carry the app's
 * bearer token (it lives in localStorage), so the app first exchanges it for a short-lived
 * HttpOnly, SameSite=Strict cookie valid only for the board's path and only as a board token.
 */
export function queueBoardSessionRoutes(deps: Deps) {
  const app = router();
  app.openapi(createRoute({ method: 'post', path: '/queue-board/session', tags: ['admin'], security: bearer, responses: described(200, `A cookie that opens ${QUEUE_BOARD_PATH} for ${TTL_SECONDS / 60} minutes`) }),
    async (c) => {
      const { userId, orgId, role, tokenVersion } = c.var.actor;
      const token = await deps.tokens.issue({ userId, orgId, role, version: tokenVersion }, { audience: AUDIENCE, ttl: `${TTL_SECONDS}s` });
      setCookie(c, COOKIE, token, { path: QUEUE_BOARD_PATH, httpOnly: true, sameSite: 'Strict', secure: deps.publicUrl.startsWith('https:'), maxAge: TTL_SECONDS });
      return c.json({ url: QUEUE_BOARD_PATH, expiresInSeconds: TTL_SECONDS }, 200);
    });
  return app;
}

/** The board itself, outside /api: a page load carries the cookie, not a bearer token. */
export function queueBoardRoutes(deps: Deps) {
  const app = new Hono();

  // The board's cookie, or an owner's bearer token (for scripts); checked against the user as they stand now.
  const ownerOnly = createMiddleware(async (c, next) => {
    const bearer = bearerToken(c.req.header('authorization'));
    const [token, audience] = bearer ? [bearer, undefined] : [getCookie(c, COOKIE), AUDIENCE];
    if (!token) throw unauthorized(`Open the queue board from the admin console (it needs a session), or send an owner's bearer token`);
    const { role } = await authenticate(deps, deps.orm.em.fork(), token, audience);
    if (role !== 'owner') throw forbidden('Only the instance owner may see the queues');
    await next();
    // The app's policy: the board's page fetches nothing from elsewhere (its web font link stays unused).
    c.header('content-security-policy', APP_CSP);
  });

  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(deps.queues[name])),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Hub queues' } },
  });
  board.setBasePath(QUEUE_BOARD_PATH);
  app.use(QUEUE_BOARD_PATH, ownerOnly);
  app.use(`${QUEUE_BOARD_PATH}/*`, ownerOnly);
  app.route(QUEUE_BOARD_PATH, board.registerPlugin());
  return app;
}
