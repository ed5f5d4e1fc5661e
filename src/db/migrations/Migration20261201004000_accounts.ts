import { Migration } from '@mikro-orm/migrations';

/**
 * Accounts: emails unique per organization (not across them), a token version per user
 * (older tokens stop working when it is raised), invites, and the audit log.
 */
export class Migration20261201004000_accounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" drop constraint "users_email_unique";`);
    this.addSql(`alter table "users" add column "token_version" int not null default 0;`);
    this.addSql(`create index "users_email_index" on "users" ("email");`);
    this.addSql(`alter table "users" add constraint "users_organization_email_unique" unique ("organization_id", "email");`);

    this.addSql(`create table "invites" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "email" varchar(255) not null, "name" varchar(255) null, "role" text check ("role" in ('owner', 'admin', 'agent')) not null, "token_hash" varchar(255) not null, "expires_at" timestamptz not null, "invited_by_id" uuid null, "accepted_at" timestamptz null, "revoked_at" timestamptz null, constraint "invites_pkey" primary key ("id"));`);
    this.addSql(`create index "invites_organization_id_index" on "invites" ("organization_id");`);
    this.addSql(`alter table "invites" add constraint "invites_token_hash_unique" unique ("token_hash");`);
    this.addSql(`alter table "invites" add constraint "invites_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "invites" add constraint "invites_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`create table "audit_log" ("id" uuid not null, "created_at" timestamptz not null, "organization_id" uuid not null, "actor_id" uuid null, "actor_email" varchar(255) null, "action" varchar(255) not null, "target_type" varchar(255) null, "target_id" varchar(255) null, "details" jsonb not null default '{}', "address" varchar(255) null, constraint "audit_log_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_log_org_time_idx" on "audit_log" ("organization_id", "created_at", "id");`);
    this.addSql(`alter table "audit_log" add constraint "audit_log_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_log" cascade;`);
    this.addSql(`drop table if exists "invites" cascade;`);
    this.addSql(`alter table "users" drop constraint "users_organization_email_unique";`);
    this.addSql(`drop index "users_email_index";`);
    this.addSql(`alter table "users" drop column "token_version";`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
  }
}
