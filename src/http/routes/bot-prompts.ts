import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { BotPrompt } from '../../domain/bot-prompt.entity.js';
import { badRequest } from '../../errors.js';
import { findOwned } from '../../domain/owned.js';
import { router, type AppEnv } from '../env.js';
import type { Context } from 'hono';
import { Channel } from '../../domain/channel.entity.js';
import { IdParam, bearer, described, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

const PromptInput = z.object({
  kind: z.enum(['greeting', 'keyword', 'handoff', 'system', 'fallback']),
  keyword: z.string().trim().max(200).nullish(),
  response: z.string().max(4000).default(''),
  enabled: z.boolean().default(true),
  channelId: z.uuid().nullish(),
});

const view = (p: BotPrompt) => ({
  id: p.id, kind: p.kind, keyword: p.keyword ?? undefined, response: p.response, enabled: p.enabled,
  channelId: p.channel?.id ?? undefined, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
}) satisfies wire.BotPrompt;

/** The rules bot's admin-editable prompts (and the system prompt of a model-backed bot). */
export function botPromptRoutes(deps: Deps) {
  const app = router();
  const tags = ['bot'];
  type Ctx = Context<AppEnv>;
  const find = (c: Ctx, id: string) => findOwned(c.var.em, BotPrompt, c.var.actor.orgId, id, 'Prompt');
  const checkChannel = async (c: Ctx, channelId?: string | null) => {
    if (channelId && !(await c.var.em.count(Channel, { id: channelId, organization: c.var.actor.orgId }))) throw badRequest('Unknown channel');
  };

  app.openapi(createRoute({ method: 'get', path: '/bot/prompts', tags, security: bearer, responses: returns(200, 'Prompts', z.array(wire.BotPrompt)) }), async (c) =>
    c.json((await c.var.em.find(BotPrompt, { organization: c.var.actor.orgId }, { orderBy: { createdAt: 'asc' } })).map(view), 200));

  app.openapi(createRoute({ method: 'post', path: '/bot/prompts', tags, security: bearer, request: jsonBody(PromptInput), responses: returns(201, 'The prompt', wire.BotPrompt) }), async (c) => {
    const { channelId, ...input } = c.req.valid('json');
    await checkChannel(c, channelId);
    if (input.kind === 'keyword' && !input.keyword) throw badRequest('A keyword prompt needs a keyword');
    const p = c.var.em.create(BotPrompt, { ...input, channel: channelId ?? null, organization: c.var.actor.orgId } as any);
    await c.var.em.flush();
    return c.json(view(p), 201);
  });

  app.openapi(createRoute({ method: 'patch', path: '/bot/prompts/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(PromptInput.partial()) }, responses: returns(200, 'The prompt', wire.BotPrompt) }), async (c) => {
    const p = await find(c, c.req.valid('param').id);
    const { channelId, ...patch } = c.req.valid('json');
    await checkChannel(c, channelId);
    c.var.em.assign(p, { ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), ...(channelId !== undefined ? { channel: channelId } : {}) });
    await c.var.em.flush();
    return c.json(view(p), 200);
  });

  app.openapi(createRoute({ method: 'delete', path: '/bot/prompts/{id}', tags, security: bearer, request: { params: IdParam }, responses: described(204, 'Deleted') }), async (c) => {
    await c.var.em.remove(await find(c, c.req.valid('param').id)).flush();
    return c.body(null, 204);
  });
  return app;
}
