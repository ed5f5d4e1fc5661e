import { matchedRoutes } from 'hono/route';
import { METHOD_NAME_ALL } from 'hono/router';
import type { Deps } from '../context.js';
import type { Role } from '../domain/user.entity.js';
import { markWrote } from '../domain/replica-reads.js';
import { requireAuth, requireRole } from './auth.js';
import { router } from './env.js';
import { authRoutes, meRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { organizationRoutes } from './routes/organizations.js';
import { inviteRoutes } from './routes/invites.js';
import { auditRoutes } from './routes/audit.js';
import { channelRoutes } from './routes/channels.js';
import { uploadRoutes } from './routes/media.js';
import { searchRoutes } from './routes/search.js';
import { cannedResponseRoutes } from './routes/canned-responses.js';
import { conversationRoutes } from './routes/conversations.js';
import { crmRoutes } from './routes/crm.js';
import { botPromptRoutes } from './routes/bot-prompts.js';
import { webhookEventRoutes } from './routes/webhook-events.js';
import { queueBoardSessionRoutes } from './routes/queue-board.js';
import { notificationRoutes } from './routes/notifications.js';

/** Areas (a path and everything under it) that need more than a signed-in agent of the organization. */
const RESTRICTED: { area: string; min: Role; refusal?: string; open?: RegExp }[] = [
  { area: '/users', min: 'admin' },
  { area: '/invites', min: 'admin' },
  { area: '/audit-log', min: 'admin' },
  // Agents choose a channel's templates in the composer.
  { area: '/channels', min: 'admin', open: /^\/api\/channels\/[^/]+\/templates$/ },
  { area: '/bot/prompts', min: 'admin' },
  { area: '/webhook-events', min: 'admin' },
  { area: '/organizations', min: 'owner', refusal: 'Only the instance owner manages organizations' },
  { area: '/queue-board', min: 'owner' },
];

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Everything under /api. Sign-in routes answer without a token; every route mounted after
 * `requireAuth` gets the caller, checked once, as `c.var.actor` (and `RESTRICTED` its role).
 * Routes find what they act on with `findOwned()` (src/domain/owned.ts).
 */
export function apiRoutes(deps: Deps) {
  const api = router();
  api.route('/', authRoutes(deps));

  const auth = requireAuth(deps);
  // A path no route answers is a 404 for anyone: there is nothing to ask a token for.
  api.use('*', (c, next) => (matchedRoutes(c).some((r) => r.method !== METHOD_NAME_ALL) ? auth(c, next) : next()));
  // Anything but a read: this agent's next reads see it (none of them from a lagging replica).
  api.use('*', async (c, next) => {
    if (c.var.actor && !READ_METHODS.has(c.req.method)) await markWrote(deps, c.var.actor.userId);
    return next();
  });
  for (const { area, min, refusal, open } of RESTRICTED) api.use(area, requireRole(min, refusal)).use(`${area}/*`, requireRole(min, refusal, open));
  for (const routes of [meRoutes, userRoutes, organizationRoutes, inviteRoutes, auditRoutes, channelRoutes, uploadRoutes,
    conversationRoutes, searchRoutes, cannedResponseRoutes, crmRoutes, botPromptRoutes, webhookEventRoutes, queueBoardSessionRoutes, notificationRoutes]) api.route('/', routes(deps));
  return api;
}
