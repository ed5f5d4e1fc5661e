import { Migration } from '@mikro-orm/migrations';

/**
 * Agents' tools: full-history search and canned responses.
 * - `hub_search`: a text search configuration (kept per message in `search_vector`) that folds accents (unaccent) before the simple
 *   dictionary, so "kovac" finds "Kovač" and ts_headline marks the original word.
 * - `hub_unaccent(text)`: unaccent as an immutable function (the extension's own is only stable),
 *   for the trigram index that finds identifiers and parts of words ("2231", "dupont@").
 * - `canned_responses`: per organization, one short code each.
 * - the rules bot's `fallback` prompt kind.
 * unaccent and pg_trgm are trusted extensions (Postgres 13+): a database owner may create them.
 */
export class Migration20261201201500_agent_tools extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists unaccent with schema public;`);
    this.addSql(`create extension if not exists pg_trgm with schema public;`);
    this.addSql(`create or replace function public.hub_unaccent(text) returns text language sql immutable parallel safe strict
      as $fn$ select lower(public.unaccent('public.unaccent'::regdictionary, $1)) $fn$;`);
    this.addSql(`create text search configuration public.hub_search (copy = pg_catalog.simple);`);
    this.addSql(`alter text search configuration public.hub_search alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part with public.unaccent, simple;`);
    // Stored, so a scan in time order checks a match without parsing the text again (a common word, newest first).
    this.addSql(`alter table "messages" add column "search_vector" tsvector generated always as (to_tsvector('public.hub_search'::regconfig, "content")) stored;`);
    this.addSql(`create index "messages_search_fts_idx" on "messages" using gin ("search_vector");`);
    this.addSql(`create index "messages_search_trgm_idx" on "messages" using gin (public.hub_unaccent("content") public.gin_trgm_ops);`);
    // Newest first within the organization: a search for a common word reads this backwards and stops at the page.
    this.addSql(`create index "messages_org_time_idx" on "messages" ("organization_id", "timestamp", "seq");`);
    // The inbox list's order (newest activity first, id as the tie-break) read straight off an index.
    this.addSql(`create index "conversations_org_activity_id_idx" on "conversations" ("organization_id", "last_activity" desc, "id" desc);`);

    this.addSql(`create table "canned_responses" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "short_code" varchar(64) not null, "content" text not null, "created_by_id" uuid null, constraint "canned_responses_pkey" primary key ("id"));`);
    this.addSql(`alter table "canned_responses" add constraint "canned_responses_org_code_unique" unique ("organization_id", "short_code");`);
    this.addSql(`alter table "canned_responses" add constraint "canned_responses_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "canned_responses" add constraint "canned_responses_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "bot_prompts" drop constraint if exists "bot_prompts_kind_check";`);
    this.addSql(`alter table "bot_prompts" add constraint "bot_prompts_kind_check" check ("kind" in ('greeting', 'keyword', 'handoff', 'system', 'fallback'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "bot_prompts" where "kind" = 'fallback';`);
    this.addSql(`alter table "bot_prompts" drop constraint if exists "bot_prompts_kind_check";`);
    this.addSql(`alter table "bot_prompts" add constraint "bot_prompts_kind_check" check ("kind" in ('greeting', 'keyword', 'handoff', 'system'));`);
    this.addSql(`drop table if exists "canned_responses" cascade;`);
    this.addSql(`drop index if exists "conversations_org_activity_id_idx";`);
    this.addSql(`drop index if exists "messages_org_time_idx";`);
    this.addSql(`drop index if exists "messages_search_trgm_idx";`);
    this.addSql(`drop index if exists "messages_search_fts_idx";`);
    this.addSql(`alter table "messages" drop column if exists "search_vector";`);
    this.addSql(`drop text search configuration if exists public.hub_search;`);
    this.addSql(`drop function if exists public.hub_unaccent(text);`);
  }
}
