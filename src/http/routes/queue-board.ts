import { createRoute } from '@hono/zod-openapi';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Deps } from '../../context.js';
import { User } from '../../domain/user.entity.js';
import { QUEUE_NAMES } from '../../queue/queues.js';
import { requireAuth, requireRole } from '../auth.js';
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
export function queueBoardRoutes(deps: Deps) {
  const app = router();
  app.use('/api/queue-board/*', requireAuth(deps), requireRole('owner'));
  app.openapi(createRoute({ method: 'post', path: '/api/queue-board/session', tags: ['admin'], security: bearer, responses: described(200, `A cookie that opens ${QUEUE_BOARD_PATH} for ${TTL_SECONDS / 60} minutes`) }),
    async (c) => {
      const { userId, orgId, role, tokenVersion } = c.var.auth;
      const token = await deps.tokens.issue({ userId, orgId, role, version: tokenVersion }, { audience: AUDIENCE, ttl: `${TTL_SECONDS}s` });
      setCookie(c, COOKIE, token, { path: QUEUE_BOARD_PATH, httpOnly: true, sameSite: 'Strict', secure: deps.publicUrl.startsWith('https:'), maxAge: TTL_SECONDS });
      return c.json({ url: QUEUE_BOARD_PATH, expiresInSeconds: TTL_SECONDS }, 200);
    });

  // The board's cookie, or an owner's bearer token (for scripts); checked against the user as they stand now.
  const ownerOnly = createMiddleware(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const cookie = getCookie(c, COOKIE);
    const [token, audience] = header.startsWith('Bearer ') ? [header.slice(7).trim(), undefined] : [cookie, AUDIENCE];
    if (!token) throw unauthorized(`Open the queue board from the admin console (it needs a session), or send an owner's bearer token`);
    const claims = await deps.tokens.verify(token, audience).catch(() => {
      throw unauthorized('Invalid or expired token');
    });
    const user = await deps.orm.em.fork().findOne(User, { id: claims.userId, organization: claims.orgId });
    if (!user || user.disabled || user.tokenVersion !== claims.version) throw unauthorized('Invalid or expired token');
    if (user.role !== 'owner') throw forbidden('Only the instance owner may see the queues');
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
