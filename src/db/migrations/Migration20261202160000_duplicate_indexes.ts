import { Migration } from '@mikro-orm/migrations';

/**
 * Two indexes that others already cover, dropped: each was one more entry to write per
 * message stored, and per conversation moved by it. `messages_org_time_idx` (organization_id,
 * timestamp, seq) serves whatever `messages_organization_id_index` did, and
 * `conversations_org_activity_id_idx` (organization_id, last_activity desc, id desc) what
 * `conversations_org_activity_idx` (organization_id, last_activity) did.
 */
export class Migration20261202160000_duplicate_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "messages_organization_id_index";`);
    this.addSql(`drop index if exists "conversations_org_activity_idx";`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index if not exists "messages_organization_id_index" on "messages" ("organization_id");`);
    this.addSql(`create index if not exists "conversations_org_activity_idx" on "conversations" ("organization_id", "last_activity");`);
  }
}
