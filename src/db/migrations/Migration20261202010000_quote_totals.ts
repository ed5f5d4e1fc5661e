import { Migration } from '@mikro-orm/migrations';

/**
 * A client's accepted quotes are totalled per currency (`quote_totals`), never added across
 * currencies: `total_value` is the total only when they share one currency, null when mixed.
 */
export class Migration20261202010000_quote_totals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clients" add column "quote_totals" jsonb not null default '[]';`);
    this.addSql(`alter table "clients" alter column "total_value" drop not null, alter column "total_value" drop default;`);
    this.addSql(`
      with sums as (
        select client_id, currency, sum(amount) as total from "quotes" where status = 'accepted' group by client_id, currency
      ), per_client as (
        select client_id, jsonb_agg(jsonb_build_object('currency', currency, 'value', total) order by currency) as totals,
               case when count(*) = 1 then max(total) end as single
        from sums group by client_id
      )
      update "clients" c set "quote_totals" = p.totals, "total_value" = p.single from per_client p where p.client_id = c.id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`update "clients" c set "total_value" = coalesce((select sum(amount) from "quotes" q where q.client_id = c.id and q.status = 'accepted'), 0);`);
    this.addSql(`alter table "clients" alter column "total_value" set not null, alter column "total_value" set default 0;`);
    this.addSql(`alter table "clients" drop column "quote_totals";`);
  }
}
