import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Deps } from '../../context.js';
import { ping } from '../../db/sql.js';

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Liveness, readiness (Postgres and Redis answer) and Prometheus metrics. */
export function healthRoutes(deps: Deps) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [db, redis] = await Promise.allSettled([
      within(1000, ping(deps.orm)),
      // While ioredis reconnects, a ping would wait in its offline queue: fail fast instead.
      ['reconnecting', 'close', 'end'].includes(deps.redis.status) ? Promise.reject(new Error(deps.redis.status)) : within(1000, deps.redis.ping()),
    ]);
    const checks = { database: db.status === 'fulfilled' ? 'ok' : 'down', redis: redis.status === 'fulfilled' ? 'ok' : 'down' };
    const ready = checks.database === 'ok' && checks.redis === 'ok';
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  // Behind METRICS_TOKEN (Prometheus: `authorization: {credentials: ...}`); without one, not served at all.
  app.get('/metrics', async (c) => {
    const expected = deps.config.metricsToken;
    const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!expected) return c.json({ error: { code: 'not_found', message: 'Metrics are off: set METRICS_TOKEN' } }, 404);
    if (!given || !sameSecret(given, expected)) return c.json({ error: { code: 'unauthorized', message: 'Send Authorization: Bearer <METRICS_TOKEN>' } }, 401);
    return c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
  return app;
}
