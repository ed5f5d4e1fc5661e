import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000000_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "organizations" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, constraint "organizations_pkey" primary key ("id"));`);

    this.addSql(`create table "clients" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "first_name" varchar(255) not null, "last_name" varchar(255) not null default '', "email" varchar(255) not null default '', "phone" varchar(255) not null default '', "company" varchar(255) null, "status" text check ("status" in ('active', 'inactive')) not null default 'active', "tags" jsonb not null default '[]', "total_value" numeric(14,2) not null default 0, constraint "clients_pkey" primary key ("id"));`);
    this.addSql(`create index "clients_organization_id_index" on "clients" ("organization_id");`);

    this.addSql(`create table "channels" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "kind" varchar(255) not null, "platform" varchar(255) not null, "name" varchar(255) not null, "status" text check ("status" in ('active', 'needs_auth', 'error', 'disabled')) not null default 'active', "status_reason" text null, "credentials" text not null, "bot_enabled_default" boolean not null default false, "cursor" jsonb null, constraint "channels_pkey" primary key ("id"));`);
    this.addSql(`create index "channels_organization_id_index" on "channels" ("organization_id");`);

    this.addSql(`create table "bot_prompts" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "channel_id" uuid null, "kind" text check ("kind" in ('greeting', 'keyword', 'handoff', 'system')) not null, "keyword" varchar(255) null, "response" text not null default '', "enabled" boolean not null default true, constraint "bot_prompts_pkey" primary key ("id"));`);
    this.addSql(`create index "bot_prompts_organization_id_index" on "bot_prompts" ("organization_id");`);

    this.addSql(`create table "pending_statuses" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "channel_id" uuid not null, "external_id" varchar(255) not null, "status" varchar(255) not null, "error" text null, constraint "pending_statuses_pkey" primary key ("id"));`);
    this.addSql(`alter table "pending_statuses" add constraint "pending_statuses_channel_external_unique" unique ("channel_id", "external_id");`);

    this.addSql(`create table "prospects" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "channel_id" uuid not null, "platform" varchar(255) not null, "external_id" varchar(255) not null, "identifier" varchar(255) not null, "identifier_type" text check ("identifier_type" in ('phone', 'email', 'social')) not null, "name" varchar(255) null, "avatar" varchar(255) null, "client_id" uuid null, "last_seen" timestamptz null, constraint "prospects_pkey" primary key ("id"));`);
    this.addSql(`create index "prospects_organization_id_index" on "prospects" ("organization_id");`);
    this.addSql(`create index "prospects_client_id_index" on "prospects" ("client_id");`);
    this.addSql(`alter table "prospects" add constraint "prospects_channel_external_unique" unique ("channel_id", "external_id");`);

    this.addSql(`create table "quotes" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "client_id" uuid not null, "title" varchar(255) not null, "amount" numeric(14,2) not null, "currency" varchar(3) not null, "status" text check ("status" in ('draft', 'sent', 'accepted', 'rejected')) not null default 'draft', constraint "quotes_pkey" primary key ("id"));`);
    this.addSql(`create index "quotes_client_id_index" on "quotes" ("client_id");`);

    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "email" varchar(255) not null, "name" varchar(255) not null, "role" text check ("role" in ('owner', 'admin', 'agent')) not null, "password_hash" varchar(255) not null, "disabled" boolean not null default false, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`create index "users_organization_id_index" on "users" ("organization_id");`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "notes" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "client_id" uuid not null, "author_id" uuid null, "content" text not null, constraint "notes_pkey" primary key ("id"));`);
    this.addSql(`create index "notes_client_id_index" on "notes" ("client_id");`);

    this.addSql(`create table "conversations" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "channel_id" uuid not null, "prospect_id" uuid not null, "client_id" uuid null, "platform" varchar(255) not null, "status" text check ("status" in ('active', 'closed', 'archived')) not null default 'active', "thread_key" varchar(255) not null default '', "subject" varchar(255) null, "last_message" jsonb null, "last_activity" timestamptz not null, "last_inbound_at" timestamptz null, "unread_count" int not null default 0, "assigned_to_id" uuid null, "tags" jsonb not null default '[]', "bot_enabled" boolean not null default false, "needs_human" boolean not null default false, constraint "conversations_pkey" primary key ("id"));`);
    this.addSql(`create index "conversations_channel_id_index" on "conversations" ("channel_id");`);
    this.addSql(`create index "conversations_prospect_id_index" on "conversations" ("prospect_id");`);
    this.addSql(`create index "conversations_client_id_index" on "conversations" ("client_id");`);
    this.addSql(`create index "conversations_org_activity_idx" on "conversations" ("organization_id", "last_activity");`);
    this.addSql(`create unique index "conversations_one_open_per_thread" on "conversations" ("prospect_id", "thread_key") where "status" = 'active';`);

    this.addSql(`create table "messages" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "seq" bigserial not null, "organization_id" uuid not null, "channel_id" uuid not null, "conversation_id" uuid not null, "external_id" varchar(255) null, "client_message_id" varchar(255) null, "direction" text check ("direction" in ('in', 'out')) not null, "sender_type" text check ("sender_type" in ('prospect', 'agent', 'bot')) not null, "sender_id" varchar(255) not null, "content" text not null default '', "message_type" varchar(255) not null, "platform" varchar(255) not null, "timestamp" timestamptz not null, "status" text check ("status" in ('pending', 'sent', 'delivered', 'read', 'failed')) not null, "error" text null, "metadata" jsonb null, constraint "messages_pkey" primary key ("id"));`);
    this.addSql(`create index "messages_organization_id_index" on "messages" ("organization_id");`);
    this.addSql(`create index "messages_conversation_time_idx" on "messages" ("conversation_id", "timestamp", "seq");`);
    this.addSql(`alter table "messages" add constraint "messages_channel_external_unique" unique ("channel_id", "external_id");`);
    this.addSql(`alter table "messages" add constraint "messages_conversation_client_id_unique" unique ("conversation_id", "client_message_id");`);

    this.addSql(`create table "attachments" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "message_id" uuid not null, "kind" varchar(255) not null, "file_name" varchar(255) null, "file_size" int null, "mime_type" varchar(255) null, "source" text not null, "storage_path" varchar(255) null, "status" text check ("status" in ('pending', 'ready', 'failed')) not null default 'pending', "error" text null, "attempts" int not null default 0, constraint "attachments_pkey" primary key ("id"));`);
    this.addSql(`create index "attachments_message_id_index" on "attachments" ("message_id");`);

    this.addSql(`create table "webhook_events" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "channel_id" uuid not null, "job_id" varchar(255) not null, "payload" text not null, "outcome" varchar(255) not null default 'received', "detail" text null, "expires_at" timestamptz not null, constraint "webhook_events_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_events_channel_id_index" on "webhook_events" ("channel_id");`);
    this.addSql(`alter table "webhook_events" add constraint "webhook_events_job_id_unique" unique ("job_id");`);
    this.addSql(`create index "webhook_events_expires_idx" on "webhook_events" ("expires_at");`);

    this.addSql(`alter table "clients" add constraint "clients_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);

    this.addSql(`alter table "channels" add constraint "channels_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);

    this.addSql(`alter table "bot_prompts" add constraint "bot_prompts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "bot_prompts" add constraint "bot_prompts_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "pending_statuses" add constraint "pending_statuses_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "prospects" add constraint "prospects_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "prospects" add constraint "prospects_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "prospects" add constraint "prospects_client_id_foreign" foreign key ("client_id") references "clients" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "quotes" add constraint "quotes_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "quotes" add constraint "quotes_client_id_foreign" foreign key ("client_id") references "clients" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "users" add constraint "users_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);

    this.addSql(`alter table "notes" add constraint "notes_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "notes" add constraint "notes_client_id_foreign" foreign key ("client_id") references "clients" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notes" add constraint "notes_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "conversations" add constraint "conversations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "conversations" add constraint "conversations_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversations" add constraint "conversations_prospect_id_foreign" foreign key ("prospect_id") references "prospects" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversations" add constraint "conversations_client_id_foreign" foreign key ("client_id") references "clients" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conversations" add constraint "conversations_assigned_to_id_foreign" foreign key ("assigned_to_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "messages" add constraint "messages_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "messages" add constraint "messages_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "messages" add constraint "messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "attachments" add constraint "attachments_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "attachments" add constraint "attachments_message_id_foreign" foreign key ("message_id") references "messages" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhook_events" add constraint "webhook_events_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade;`);
    this.addSql(`alter table "webhook_events" add constraint "webhook_events_channel_id_foreign" foreign key ("channel_id") references "channels" ("id") on update cascade on delete cascade;`);
  }

}
