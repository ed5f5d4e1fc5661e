import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import {
  CannedInput, CannedPatch, createCannedResponse, deleteCannedResponse, listCannedResponses, updateCannedResponse,
} from '../../domain/canned-responses.js';
import { requireAuth, requireRole } from '../auth.js';
import { router } from '../env.js';
import { IdParam, bearer, described, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';
import { actorOf } from './conversations.js';

/** Canned responses: every agent reads them (the composer's `/`), admins manage them. */
export function cannedResponseRoutes(deps: Deps) {
  const app = router();
  const adminOnly = requireRole('admin');
  // '/*' matches the bare path too in Hono: reading is for every agent, every change for admins.
  app.use('/api/canned-responses/*', requireAuth(deps), (c, next) => (c.req.method === 'GET' ? next() : adminOnly(c, next)));
  const tags = ['agents tools'];

  app.openapi(createRoute({ method: 'get', path: '/api/canned-responses', tags, security: bearer, responses: returns(200, 'Canned responses by short code', z.array(wire.CannedResponse)) }),
    async (c) => c.json(await listCannedResponses(deps, actorOf(c.var.auth)), 200));

  app.openapi(createRoute({ method: 'post', path: '/api/canned-responses', tags, security: bearer, request: jsonBody(CannedInput), responses: returns(201, 'The canned response', wire.CannedResponse) }),
    async (c) => c.json(await createCannedResponse(deps, actorOf(c.var.auth), c.req.valid('json')), 201));

  app.openapi(createRoute({ method: 'patch', path: '/api/canned-responses/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(CannedPatch) }, responses: returns(200, 'The canned response', wire.CannedResponse) }),
    async (c) => c.json(await updateCannedResponse(deps, actorOf(c.var.auth), c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(createRoute({ method: 'delete', path: '/api/canned-responses/{id}', tags, security: bearer, request: { params: IdParam }, responses: described(204, 'Deleted') }),
    async (c) => {
      await deleteCannedResponse(deps, actorOf(c.var.auth), c.req.valid('param').id);
      return c.body(null, 204);
    });
  return app;
}
