import type { MikroORM } from '@mikro-orm/postgresql';
import type { Deps } from '../context.js';
import { hasReplicas, withReadSql, withSql, type Sql } from '../db/sql.js';
import { errorMessage, isInfrastructureError } from '../errors.js';
import { redisKeys } from '../queue/redis-keys.js';

/**
 * Which reads a streaming replica (DATABASE_REPLICA_URLS) may answer, a moment behind the primary:
 * the inbox list, message search and a thread's older pages, for an agent who changed nothing
 * in the last FRESH_AFTER_WRITE_MS. Everything else reads the primary: writes and transactions,
 * the ingest pipeline, sign-in and standing checks, live pushes, a thread's newest page and its
 * catch-up (what the live stream continues from), and any read of an agent who just sent,
 * marked read or assigned, so they always see their own change.
 */
export const FRESH_AFTER_WRITE_MS = 5_000;

/** The replica's own setup refusing us (a wrong password, no such database): its reads go to the primary too, with a warning. */
const REPLICA_REFUSALS = /^(28...|3D000)$/;
const replicaFailed = (err: unknown) => isInfrastructureError(err) || REPLICA_REFUSALS.test(String((err as { code?: unknown } | null)?.code ?? ''));

/** After a replica failed to answer, reads go to the primary for this long before it is tried again. */
const REPLICA_PAUSE_MS = 5_000;
const replicaDownUntil = new WeakMap<MikroORM, number>();

/** Marks the agent as having just written: their reads stay on the primary for FRESH_AFTER_WRITE_MS. */
export async function markWrote(deps: Pick<Deps, 'orm' | 'redis' | 'config'>, userId: string): Promise<void> {
  if (!hasReplicas(deps.orm) || deps.redis.status !== 'ready') return;
  await deps.redis.set(redisKeys(deps.config.queuePrefix).freshReads(userId), '1', 'PX', FRESH_AFTER_WRITE_MS);
}

/**
 * A read the replica may answer (see above). A replica that cannot be reached, refuses us, or
 * cancels the query for a conflict with recovery costs no answer: the read runs again on the primary.
 */
export async function replicaRead<T>(deps: Pick<Deps, 'orm' | 'redis' | 'config' | 'log' | 'metrics'>, userId: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (!hasReplicas(deps.orm)) return withSql(deps.orm, fn);
  const answeredBy = deps.metrics.replicaReads;
  if ((replicaDownUntil.get(deps.orm) ?? 0) > Date.now() || (await wroteRecently(deps, userId))) {
    answeredBy.inc({ answered_by: 'primary' });
    return withSql(deps.orm, fn);
  }
  try {
    const result = await withReadSql(deps.orm, fn);
    answeredBy.inc({ answered_by: 'replica' });
    return result;
  } catch (err) {
    if (!replicaFailed(err)) throw err;
    replicaDownUntil.set(deps.orm, Date.now() + REPLICA_PAUSE_MS);
    deps.log.warn({ err: errorMessage(err) }, 'read replica failed; reading on the primary');
    answeredBy.inc({ answered_by: 'fallback' });
    return withSql(deps.orm, fn);
  }
}

/** Redis not answering: the mark cannot be known, so the read is taken as one that must be fresh. */
async function wroteRecently(deps: Pick<Deps, 'redis' | 'config'>, userId: string): Promise<boolean> {
  if (deps.redis.status !== 'ready') return true;
  return (await deps.redis.exists(redisKeys(deps.config.queuePrefix).freshReads(userId))) === 1;
}
