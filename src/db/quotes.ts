import type { EntityManager } from '@mikro-orm/postgresql';
import type { QuoteTotal } from '../../contract/wire.js';

/** A client's accepted quotes totalled per currency (never across currencies), inside the caller's ORM transaction. */
export async function acceptedQuoteTotals(em: EntityManager, clientId: string): Promise<QuoteTotal[]> {
  const rows: { currency: string; total: string }[] = await em.getConnection().execute(
    "select currency, sum(amount)::numeric as total from quotes where client_id = ? and status = 'accepted' group by currency order by currency",
    [clientId], 'all', em.getTransactionContext());
  return rows.map((r) => ({ currency: r.currency, value: Number(r.total) }));
}
