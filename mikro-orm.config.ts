import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './src/domain/index.js';
import { migrationsList } from './src/db/migrations/index.js';

/** How long a read waits to reach a replica before it is read on the primary instead (src/domain/replica-reads.ts). */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/**
 * MikroORM options for a database URL and its streaming replicas; the CLI uses DATABASE_URL.
 * `preferReadReplicas: false`: the ORM (admin CRUD, auth, migrations) always uses the primary;
 * only the reads that ask for it (`withReadSql`, src/db/sql.ts) go to a replica.
 */
export function ormConfig(clientUrl: string, opts: { replicaUrls?: string[]; debug?: boolean } = {}) {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    debug: opts.debug ?? false,
    // Connections are shared by HTTP handlers and workers; keep enough for both.
    pool: { min: 1, max: 40 },
    preferReadReplicas: false,
    replicas: (opts.replicaUrls ?? []).map((url, i) => ({
      name: `replica-${i + 1}`,
      clientUrl: url,
      driverOptions: { acquireConnectionTimeout: REPLICA_CONNECT_TIMEOUT_MS, connection: { connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS } },
    })),
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
