import { Migration } from '@mikro-orm/migrations';

/** Delivery statuses only move forward; this rank is the one order SQL and code share. */
export class Migration20261121000100_status_rank extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function message_status_rank(s text) returns int language sql immutable parallel safe as $$ select array_position(array['pending','sent','delivered','read','failed'], s) $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists message_status_rank(text);`);
  }
}
