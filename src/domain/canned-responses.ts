import { z } from 'zod';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { deleteCanned, insertCanned, listCanned, updateCanned, type CannedRow } from '../db/canned-responses.js';
import { conflict, notFound } from '../errors.js';
import type { Actor } from './conversations.js';
import type * as wire from '../../contract/wire.js';

/** Typed after `/` in the composer: letters, digits, `-` and `_`. */
export const CannedInput = z.object({
  shortCode: z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N}_-]+$/u, 'Use letters, digits, - and _ only'),
  content: z.string().trim().min(1).max(4000),
});
export const CannedPatch = CannedInput.partial();

const view = (r: CannedRow): wire.CannedResponse => ({
  id: r.id, shortCode: r.short_code, content: r.content, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(),
});

const uniqueCode = async <T>(run: () => Promise<T>) => {
  try {
    return await run();
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw conflict('short_code_taken', 'Another canned response already uses this short code');
    throw e;
  }
};
const validId = (id: string) => z.uuid().safeParse(id).success;

export const listCannedResponses = (deps: Deps, actor: Actor) =>
  withSql(deps.orm, async (sql) => (await listCanned(sql, actor.orgId)).map(view));

export const createCannedResponse = (deps: Deps, actor: Actor, input: z.infer<typeof CannedInput>) =>
  withSql(deps.orm, (sql) => uniqueCode(async () => view(await insertCanned(sql, actor.orgId, actor.userId, input))));

export const updateCannedResponse = (deps: Deps, actor: Actor, id: string, patch: z.infer<typeof CannedPatch>) =>
  withSql(deps.orm, (sql) => uniqueCode(async () => {
    const row = validId(id) ? await updateCanned(sql, actor.orgId, id, patch) : undefined;
    if (!row) throw notFound('Canned response');
    return view(row);
  }));

export const deleteCannedResponse = (deps: Deps, actor: Actor, id: string) =>
  withSql(deps.orm, async (sql) => {
    if (!validId(id) || !(await deleteCanned(sql, actor.orgId, id))) throw notFound('Canned response');
  });
