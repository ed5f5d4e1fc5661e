import { Migration } from '@mikro-orm/migrations';

/**
 * A message's metadata is SQL NULL or an object. Older writers stored JSON null for "none",
 * which an edit then turned into an array ([null, {...}]) and a reaction could not update:
 * JSON null becomes SQL NULL, an array becomes the merge of the objects in it (later keys win).
 */
export const METADATA_TO_OBJECTS = `update messages m set metadata = (
    select jsonb_object_agg(kv.key, kv.value order by e.i)
    from jsonb_array_elements(case when jsonb_typeof(m.metadata) = 'array' then m.metadata else '[]'::jsonb end) with ordinality e(el, i)
    cross join lateral jsonb_each(case when jsonb_typeof(e.el) = 'object' then e.el else '{}'::jsonb end) kv)
  where m.metadata is not null and jsonb_typeof(m.metadata) <> 'object'`;

export class Migration20261201001000_message_metadata_objects extends Migration {
  override async up(): Promise<void> {
    this.addSql(METADATA_TO_OBJECTS);
  }

  override async down(): Promise<void> {
    // Nothing to undo: NULL and objects are what every version reads.
  }
}
