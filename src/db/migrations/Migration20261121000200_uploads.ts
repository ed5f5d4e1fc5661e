import { Migration } from '@mikro-orm/migrations';

/** An agent's upload exists before the message that carries it. */
export class Migration20261121000200_uploads extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "attachments" alter column "message_id" drop not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "attachments" where "message_id" is null;`);
    this.addSql(`alter table "attachments" alter column "message_id" set not null;`);
  }
}
