import type { MikroORM } from '@mikro-orm/postgresql';

/** Any fixed number; every hub process takes this lock while it migrates and seeds. */
const LOCK_ID = 727_401;

/** Applies pending migrations and runs `then` under one Postgres advisory lock, so several processes can start at once. */
export async function migrateAndSeed(orm: MikroORM, then: () => Promise<void>): Promise<void> {
  const knex = orm.em.getConnection().getKnex();
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [LOCK_ID]);
    await orm.getMigrator().up();
    await then();
  });
}
