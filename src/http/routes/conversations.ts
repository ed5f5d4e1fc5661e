import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { sqlOf, withSql } from '../../db/sql.js';
import { activeMembers } from '../../db/users.js';
import {
  ConversationFilter, ConversationPatch, MessagePage, getConversation, listConversations, loadThread, markAsRead, updateConversation, type Actor,
} from '../../domain/conversations.js';
import { SendInput, retryMessage, sendMessage } from '../../domain/outbound.js';
import { router } from '../env.js';
import { IdParam, bearer, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';


/** The inbox over REST: the same services the socket events use. */
export function conversationRoutes(deps: Deps) {
  const app = router();
  const tags = ['inbox'];

  app.openapi(createRoute({ method: 'get', path: '/conversations', tags, security: bearer, request: { query: ConversationFilter }, responses: returns(200, 'A page of conversations', wire.Page(wire.Conversation)) }),
    async (c) => c.json(await listConversations(deps, c.var.actor, c.req.valid('query')), 200));

  app.openapi(createRoute({ method: 'get', path: '/conversations/{id}', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await withSql(deps.orm, (sql) => getConversation(sql, c.var.actor, c.req.valid('param').id)), 200));

  app.openapi(createRoute({ method: 'patch', path: '/conversations/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(ConversationPatch) }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await updateConversation(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(createRoute({ method: 'get', path: '/conversations/{id}/messages', tags, security: bearer, request: { params: IdParam, query: MessagePage.omit({ conversationId: true }) }, responses: returns(200, 'Messages, oldest first', wire.MessagePage) }),
    async (c) => {
      const page = await loadThread(deps, c.var.actor, { ...c.req.valid('query'), conversationId: c.req.valid('param').id });
      return c.json({ items: page.items, hasMore: page.hasMore }, 200);
    });

  app.openapi(createRoute({ method: 'post', path: '/conversations/{id}/messages', tags, security: bearer, request: { params: IdParam, ...jsonBody(SendInput.omit({ conversationId: true })) }, responses: returns(201, 'The message, pending', wire.ChatMessage) }),
    async (c) => c.json(await sendMessage(deps, c.var.actor, { ...c.req.valid('json'), conversationId: c.req.valid('param').id }), 201));

  app.openapi(createRoute({ method: 'post', path: '/conversations/{id}/read', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The conversation', wire.Conversation) }),
    async (c) => c.json(await markAsRead(deps, c.var.actor, c.req.valid('param').id), 200));

  app.openapi(createRoute({ method: 'post', path: '/messages/{id}/retry', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The message, pending again', wire.ChatMessage) }),
    async (c) => c.json(await retryMessage(deps, c.var.actor, c.req.valid('param').id), 200));

  app.openapi(createRoute({ method: 'get', path: '/agents', tags, security: bearer, responses: returns(200, 'The organization\'s agents with their presence, for assignment', z.array(wire.Agent)) }),
    async (c) => {
      const rows = await activeMembers(sqlOf(deps.orm), c.var.actor.orgId);
      const online = await deps.presence.online(c.var.actor.orgId, rows.map((r) => r.id));
      return c.json(rows.map((r) => ({ ...r, status: online.has(r.id) ? ('online' as const) : ('offline' as const) })), 200);
    });
  return app;
}

