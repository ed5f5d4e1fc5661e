import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { ChannelCreateInput, ChannelUpdateInput, channelView, createChannel, findChannel, updateChannel } from '../../domain/channels.js';
import { Channel } from '../../domain/channel.entity.js';
import { requireAuth, requireRole } from '../auth.js';
import { router } from '../env.js';

const Id = z.object({ id: z.string() });
const sec = [{ bearer: [] }];
const json = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** Channels of the caller's organization (admins only); secrets are write-only. */
export function channelRoutes(deps: Deps) {
  const changed = (ch: Channel) => deps.channels.changed(ch.id);
  const app = router();
  app.use('/api/channels', requireAuth(deps), requireRole('admin'));
  app.use('/api/channels/*', requireAuth(deps), requireRole('admin'));
  const view = (ch: Channel) => channelView(ch, deps.box, deps.publicUrl);

  app.openapi(createRoute({ method: 'get', path: '/api/channels', tags: ['channels'], security: sec, responses: { 200: { description: 'Channels' } } }), async (c) => {
    const channels = await c.var.em.find(Channel, { organization: c.var.auth.orgId }, { orderBy: { createdAt: 'asc' } });
    return c.json(channels.map(view), 200);
  });

  app.openapi(
    createRoute({ method: 'post', path: '/api/channels', tags: ['channels'], security: sec, request: json(ChannelCreateInput.openapi('CreateChannel')), responses: { 201: { description: 'The channel, with its webhookUrl' } } }),
    async (c) => {
      const channel = await createChannel(c.var.em, deps.box, c.var.auth.orgId, c.req.valid('json'));
      await changed(channel);
      return c.json(view(channel), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/channels/{id}', tags: ['channels'], security: sec, request: { params: Id }, responses: { 200: { description: 'The channel' } } }),
    async (c) => c.json(view(await findChannel(c.var.em, c.var.auth.orgId, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({ method: 'patch', path: '/api/channels/{id}', tags: ['channels'], security: sec, request: { params: Id, ...json(ChannelUpdateInput.openapi('UpdateChannel')) }, responses: { 200: { description: 'The channel' } } }),
    async (c) => {
      const channel = await findChannel(c.var.em, c.var.auth.orgId, c.req.valid('param').id);
      await updateChannel(c.var.em, deps.box, channel, c.req.valid('json'));
      await changed(channel);
      return c.json(view(channel), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/api/channels/{id}', tags: ['channels'], security: sec, request: { params: Id }, responses: { 204: { description: 'Deleted with its conversations' } } }),
    async (c) => {
      const channel = await findChannel(c.var.em, c.var.auth.orgId, c.req.valid('param').id);
      await c.var.em.remove(channel).flush();
      await changed(channel);
      return c.body(null, 204);
    },
  );
  return app;
}
