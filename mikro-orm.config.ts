import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './src/domain/index.js';
import { migrationsList } from './src/db/migrations/index.js';

/** MikroORM options for a database URL; the CLI uses DATABASE_URL. */
export function ormConfig(clientUrl: string, debug = false) {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    debug,
    // Connections are shared by HTTP handlers and workers; keep enough for both.
    pool: { min: 1, max: 40 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: './src/db/migrations',
      pathTs: './src/db/migrations',
      emit: 'ts',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  });
}

export default ormConfig(process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/hub_dev');
