import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { sqlOf, withSql } from '../../db/sql.js';
import { activeMembers } from '../../db/users.js';
import {
  ConversationFilter, ConversationPatch, MessagePage, getConversation, listConversations, loadThread, markAsRead, updateConversation, type Actor,
} from '../../domain/conversations.js';
import { SendInput, retryMessage, sendMessage } from '../../domain/outbound.js';
import { requireAuth } from '../auth.js';
import { router } from '../env.js';
import type { AuthInfo } from '../../security/policy.js';
import { IdParam, bearer, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

export const actorOf = (a: AuthInfo): Actor => ({ userId: a.userId, orgId: a.orgId, role: a.role, name: a.user.name });

/** The inbox over REST: the same services the socket events use. */
export function conversationRoutes(deps: Deps) {
  const app = router();
  for (const path of ['/api/conversations', '/api/conversations/*', '/api/messages/*', '/api/agents']) app.use(path, requireAuth(deps));
  const tags = ['inbox'];

  app.openapi(createRoute({ method: 'get', path: '/api/conversations', tags, security: bearer, request: { query: ConversationFilter }, responses: returns(200, 'A page of conversations', wire.Page(wire.Conversation)) }),
    async (c) => c.json(await listConversations(deps, actorOf(c.var.auth), c.req.valid('query')), 200));

  app.openapi(createRoute({ method: 'get', path: '/api/conversations/{id}', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await withSql(deps.orm, (sql) => getConversation(sql, actorOf(c.var.auth), c.req.valid('param').id)), 200));

  app.openapi(createRoute({ method: 'patch', path: '/api/conversations/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(ConversationPatch) }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await updateConversation(deps, actorOf(c.var.auth), c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(createRoute({ method: 'get', path: '/api/conversations/{id}/messages', tags, security: bearer, request: { params: IdParam, query: MessagePage.omit({ conversationId: true }) }, responses: returns(200, 'Messages, oldest first', wire.MessagePage) }),
    async (c) => {
      const page = await loadThread(deps, actorOf(c.var.auth), { ...c.req.valid('query'), conversationId: c.req.valid('param').id });
      return c.json({ items: page.items, hasMore: page.hasMore }, 200);
    });

  app.openapi(createRoute({ method: 'post', path: '/api/conversations/{id}/messages', tags, security: bearer, request: { params: IdParam, ...jsonBody(SendInput.omit({ conversationId: true })) }, responses: returns(201, 'The message, pending', wire.ChatMessage) }),
    async (c) => c.json(await sendMessage(deps, actorOf(c.var.auth), { ...c.req.valid('json'), conversationId: c.req.valid('param').id }), 201));

  app.openapi(createRoute({ method: 'post', path: '/api/conversations/{id}/read', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await markAsRead(deps, actorOf(c.var.auth), c.req.valid('param').id), 200));

  app.openapi(createRoute({ method: 'post', path: '/api/messages/{id}/retry', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The message, pending again', wire.ChatMessage) }),
    async (c) => c.json(await retryMessage(deps, actorOf(c.var.auth), c.req.valid('param').id), 200));

  app.openapi(createRoute({ method: 'get', path: '/api/agents', tags, security: bearer, responses: returns(200, 'The organization\'s agents with their presence, for assignment', z.array(wire.Agent)) }),
    async (c) => {
      const rows = await activeMembers(sqlOf(deps.orm), c.var.auth.orgId);
      const online = await deps.presence.online(c.var.auth.orgId, rows.map((r) => r.id));
      return c.json(rows.map((r) => ({ ...r, status: online.has(r.id) ? ('online' as const) : ('offline' as const) })), 200);
    });
  return app;
}

