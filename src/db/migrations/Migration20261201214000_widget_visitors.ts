import { Migration } from '@mikro-orm/migrations';

/** Website live chat visitors (web_chat channels). */
export class Migration20261201214000_widget_visitors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "widget_visitors" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "channel_id" uuid not null, "identifier" varchar(255) null, "name" varchar(255) null, "email" varchar(255) null, "email_verified" boolean not null default false, "page" jsonb null, constraint "widget_visitors_pkey" primary key ("id"));`);
    this.addSql(`create index "widget_visitors_organization_id_index" on "widget_visitors" ("organization_id");`);
    this.addSql(`alter table "widget_visitors" add constraint "widget_visitors_channel_identifier_unique" unique ("channel_id", "identifier");`);
    this.addSql(`alter table "widget_visitors" add constraint "widget_visitors_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "widget_visitors" add constraint "widget_visitors_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "widget_visitors" cascade;`);
  }
}
