import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { SearchQuery, searchHistory } from '../../domain/search.js';
import { router } from '../env.js';
import { bearer, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

/** Search over the organization's whole message history. */
export function searchRoutes(deps: Deps) {
  const app = router();
  app.openapi(createRoute({ method: 'get', path: '/search/messages', tags: ['inbox'], security: bearer, request: { query: SearchQuery }, responses: returns(200, 'Matching messages, newest first', wire.SearchResults) }),
    async (c) => c.json(await searchHistory(deps, c.var.actor, c.req.valid('query')), 200));
  return app;
}
