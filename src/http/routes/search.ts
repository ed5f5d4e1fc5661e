import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { SearchQuery, searchHistory } from '../../domain/search.js';
import { requireAuth } from '../auth.js';
import { router } from '../env.js';
import { bearer, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';
import { actorOf } from './conversations.js';

/** Search over the organization's whole message history. */
export function searchRoutes(deps: Deps) {
  const app = router();
  app.use('/api/search/*', requireAuth(deps));
  app.openapi(createRoute({ method: 'get', path: '/api/search/messages', tags: ['inbox'], security: bearer, request: { query: SearchQuery }, responses: returns(200, 'Matching messages, newest first', wire.SearchResults) }),
    async (c) => c.json(await searchHistory(deps, actorOf(c.var.auth), c.req.valid('query')), 200));
  return app;
}
