import type { TestHub } from '../../support/hub.js';

/** Raw SQL against a hub's database, for what the test must see stored (or not). */
export function sqlOf(hub: () => TestHub) {
  const q = (text: string, params: unknown[] = []) => hub().deps.orm.em.getConnection().execute(text, params);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    (await q(`select count(*)::int as n from ${table} where ${where}`, params))[0].n as number;
  return { q, count };
}

/** Everything queued on the ingest queue so far (waiting, active, done, failed, delayed). */
export async function ingestJobCount(hub: TestHub): Promise<number> {
  const c = await hub.deps.queues.ingest.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  return Object.values(c).reduce((a, b) => a + b, 0);
}
