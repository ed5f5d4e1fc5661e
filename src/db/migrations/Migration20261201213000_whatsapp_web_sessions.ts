import { Migration } from '@mikro-orm/migrations';

/**
 * WhatsApp Web: channels may be `connecting` or `pairing` (with the QR or code to show, in
 * `pairing`), and a pull connector's login session (the RemoteAuth zip) is kept per channel,
 * sealed with HUB_SECRET_KEY, so any worker can resume it.
 */
export class Migration20261201213000_whatsapp_web_sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "channels" drop constraint if exists "channels_status_check";`);
    this.addSql(`alter table "channels" add constraint "channels_status_check" check ("status" in ('active', 'connecting', 'pairing', 'needs_auth', 'error', 'disabled'));`);
    this.addSql(`alter table "channels" add column "pairing" jsonb null;`);
    this.addSql(`create table "connector_sessions" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "channel_id" uuid not null, "data" text not null, constraint "connector_sessions_pkey" primary key ("id"));`);
    this.addSql(`alter table "connector_sessions" add constraint "connector_sessions_channel_id_unique" unique ("channel_id");`);
    this.addSql(`alter table "connector_sessions" add constraint "connector_sessions_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "connector_sessions" cascade;`);
    this.addSql(`alter table "channels" drop column "pairing";`);
    this.addSql(`update "channels" set "status" = 'error' where "status" in ('connecting', 'pairing');`);
    this.addSql(`alter table "channels" drop constraint if exists "channels_status_check";`);
    this.addSql(`alter table "channels" add constraint "channels_status_check" check ("status" in ('active', 'needs_auth', 'error', 'disabled'));`);
  }
}
