import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { notFound } from '../errors.js';

const Id = z.uuid();

/** Whether `id` can name a row at all (every id is a uuid). */
export const isId = (id: unknown): id is string => Id.safeParse(id).success;

/**
 * The one place a lookup by id becomes a 404: a malformed id, an unknown one and another
 * organization's look the same to the caller, and a malformed one never reaches the database.
 * `load` runs the organization-scoped lookup.
 */
export async function owned<T>(what: string, id: string, load: (id: string) => Promise<T | null | undefined>): Promise<T> {
  const found = isId(id) ? await load(id) : undefined;
  if (!found) throw notFound(what);
  return found;
}

/** An entity of the caller's organization by id (with any further conditions), or a 404. */
export function findOwned<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  orgId: string,
  id: string,
  what: string,
  where: Record<string, unknown> = {},
): Promise<T> {
  return owned(what, id, (id) => em.findOne(entity, { ...where, id, organization: orgId } as FilterQuery<T>));
}
