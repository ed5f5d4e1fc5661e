import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import {
  CannedInput, CannedPatch, createCannedResponse, deleteCannedResponse, listCannedResponses, updateCannedResponse,
} from '../../domain/canned-responses.js';
import { requireRole } from '../auth.js';
import { router } from '../env.js';
import { IdParam, bearer, described, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

/** Canned responses: every agent reads them (the composer's `/`), admins manage them. */
export function cannedResponseRoutes(deps: Deps) {
  const app = router();
  const adminOnly = requireRole('admin');
  // '/*' matches the bare path too in Hono: reading is for every agent, every change for admins.
  app.use('/canned-responses/*', (c, next) => (c.req.method === 'GET' ? next() : adminOnly(c, next)));
  const tags = ['agents tools'];

  app.openapi(createRoute({ method: 'get', path: '/canned-responses', tags, security: bearer, responses: returns(200, 'Canned responses by short code', z.array(wire.CannedResponse)) }),
    async (c) => c.json(await listCannedResponses(deps, c.var.actor), 200));

  app.openapi(createRoute({ method: 'post', path: '/canned-responses', tags, security: bearer, request: jsonBody(CannedInput), responses: returns(201, 'The canned response', wire.CannedResponse) }),
    async (c) => c.json(await createCannedResponse(deps, c.var.actor, c.req.valid('json')), 201));

  app.openapi(createRoute({ method: 'patch', path: '/canned-responses/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(CannedPatch) }, responses: returns(200, 'The canned response', wire.CannedResponse) }),
    async (c) => c.json(await updateCannedResponse(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(createRoute({ method: 'delete', path: '/canned-responses/{id}', tags, security: bearer, request: { params: IdParam }, responses: described(204, 'Deleted') }),
    async (c) => {
      await deleteCannedResponse(deps, c.var.actor, c.req.valid('param').id);
      return c.body(null, 204);
    });
  return app;
}
