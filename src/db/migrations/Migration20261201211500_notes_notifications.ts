import { Migration } from '@mikro-orm/migrations';

/** Private notes (a flag on messages: never sent, never shown to a visitor) and agents' notifications. */
export class Migration20261201211500_notes_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "messages" add column "private" boolean not null default false;`);

    this.addSql(`create table "notifications" ("id" uuid not null, "created_at" timestamptz not null, "organization_id" uuid not null, "user_id" uuid not null, "type" text check ("type" in ('mention', 'assigned', 'new_conversation')) not null, "conversation_id" uuid null, "message_id" uuid null, "text" text not null, "read_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));`);
    this.addSql(`create index "notifications_user_time_idx" on "notifications" ("user_id", "created_at", "id");`);
    this.addSql(`alter table "notifications" add constraint "notifications_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notifications" add constraint "notifications_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`alter table "messages" drop column "private";`);
  }
}
