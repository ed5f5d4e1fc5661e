import { Migration } from '@mikro-orm/migrations';

/** A kept payload is replayed with the content type it came with (JSON, form, raw email). */
export class Migration20261121000300_webhook_content_type extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "webhook_events" add column "content_type" varchar(255) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_events" drop column "content_type";`);
  }
}
