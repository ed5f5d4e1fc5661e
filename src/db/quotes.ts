import type { EntityManager } from '@mikro-orm/postgresql';

/** The sum of a client's accepted quotes, inside the caller's ORM transaction. */
export async function acceptedQuotesTotal(em: EntityManager, clientId: string): Promise<number> {
  const [row]: { total: string }[] = await em.getConnection().execute(
    "select coalesce(sum(amount), 0)::numeric as total from quotes where client_id = ? and status = 'accepted'",
    [clientId], 'all', em.getTransactionContext());
  return Number(row!.total);
}
