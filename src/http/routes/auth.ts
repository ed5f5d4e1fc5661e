import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import { User } from '../../domain/user.entity.js';
import { DUMMY_HASH, verifyPassword } from '../../security/password.js';
import { requireAuth } from '../auth.js';
import { unauthorized } from '../errors.js';
import { router } from '../env.js';
import { userView } from '../views.js';

const Login = z.object({ email: z.email(), password: z.string().min(1).max(1024) }).openapi('LoginRequest');

export function authRoutes(deps: Deps) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login',
      tags: ['auth'],
      request: { body: { content: { 'application/json': { schema: Login } }, required: true } },
      responses: { 200: { description: 'A bearer token and the user' }, 401: { description: 'Wrong email or password' } },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const user = await c.var.em.findOne(User, { email: email.toLowerCase() });
      // Hash something either way so timing does not tell which emails exist.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabled) throw unauthorized('Wrong email or password');
      const token = await deps.tokens.issue({ userId: user.id, orgId: user.organization.id, role: user.role });
      return c.json({ token, user: userView(user) }, 200);
    },
  );
  app.use('/api/me', requireAuth(deps));
  app.openapi(
    createRoute({ method: 'get', path: '/api/me', tags: ['auth'], security: [{ bearer: [] }], responses: { 200: { description: 'The signed-in user' } } }),
    (c) => c.json(userView(c.var.auth.user), 200),
  );
  return app;
}
