import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { NotificationQuery, listNotifications, readAllNotifications, readNotification } from '../../domain/notifications.js';
import { router } from '../env.js';
import { IdParam, bearer, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

/** The caller's own notifications: mentions, conversations assigned to them, new unassigned ones. */
export function notificationRoutes(deps: Deps) {
  const app = router();
  const tags = ['notifications'];

  app.openapi(createRoute({ method: 'get', path: '/notifications', tags, security: bearer, request: { query: NotificationQuery }, responses: returns(200, 'A page of your notifications, newest first, and the unread total', wire.NotificationPage) }),
    async (c) => c.json(await listNotifications(deps, c.var.actor, c.req.valid('query')), 200));

  app.openapi(createRoute({ method: 'post', path: '/notifications/read-all', tags, security: bearer, responses: returns(200, 'How many were marked read', z.object({ marked: z.number().int() })) }),
    async (c) => c.json(await readAllNotifications(deps, c.var.actor), 200));

  app.openapi(createRoute({ method: 'post', path: '/notifications/{id}/read', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The notification, read', wire.Notification) }),
    async (c) => c.json(await readNotification(deps, c.var.actor, c.req.valid('param').id), 200));
  return app;
}
