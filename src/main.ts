import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startEmbeddedPostgres } from './infra/embedded-postgres.js';
import { startEmbeddedRedis } from './infra/embedded-redis.js';
import { startHub, type Hub } from './hub.js';
import { installProcessGuards } from './process-guards.js';

/** The one entry point: `ROLE=api|worker|all` (default all). */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  let hub: Hub | undefined;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const fn of cleanups.reverse()) await fn().catch((err) => log.error({ err }, 'shutdown step failed'));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  installProcessGuards(log, (code) => shutdown('uncaughtException', code), () => hub?.deps.metrics.unhandledRejections.inc());

  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres(config.dataDir, log);
      cleanups.push(pg.stop);
      databaseUrl = pg.url;
    }
    let redisUrl = config.redisUrl;
    if (!redisUrl && !config.redisCluster) {
      const redis = await startEmbeddedRedis(config.dataDir, log);
      cleanups.push(redis.stop);
      redisUrl = redis.url;
    }
    hub = await startHub({ config, log, databaseUrl, redisUrl });
    cleanups.push(hub.stop);
    if (hub.url) log.info(`hub ready on ${hub.deps.publicUrl}`);
  } catch (e) {
    log.fatal({ err: e }, (e as Error).message);
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    process.exit(1);
  }
}

void main();
