import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from '../mikro-orm.config.js';
import type { Config } from './config.js';
import type { Deps } from './context.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { SecretBox } from './security/crypto.js';
import { TokenService } from './security/tokens.js';
import { createQueues } from './queue/queues.js';
import { redisKeys } from './queue/redis-keys.js';
import { connectRedis, type RedisTarget } from './queue/redis-connection.js';
import { Publisher } from './realtime/publisher.js';
import { createSocketServer, type HubServer } from './realtime/socket-server.js';
import { registerHandlers } from './realtime/handlers.js';
import { Presence } from './realtime/presence.js';
import { createApp, type App } from './http/app.js';
import { migrateAndSeed } from './bootstrap/migrate.js';
import { firstStart } from './bootstrap/first-start.js';
import { startWorkers } from './pipeline/workers.js';
import { ChannelCache } from './pipeline/channel-cache.js';
import { LiveUpdates } from './realtime/live.js';
import { MediaStore } from './media/store.js';
import { MediaSigner } from './media/signer.js';
import { join } from 'node:path';
import { SafeFetcher } from './security/safe-fetch.js';
import { Sessions } from './security/sessions.js';
import { LoginThrottle } from './security/login-throttle.js';
import { startWidgetSockets } from './realtime/widget-socket.js';
import { enqueueInbound } from './pipeline/ingest.queue.js';

export type Hub = {
  deps: Deps;
  app?: App;
  io?: HubServer;
  /** The HTTP origin the hub listens on (api role). */
  url?: string;
  stop(): Promise<void>;
};

/** Starts the hub's roles on a database and a Redis that are already up: the config's Redis Cluster if it names one, else `redisUrl`. */
export async function startHub(opts: { config: Config; log: Logger; databaseUrl: string; redisUrl?: string }): Promise<Hub> {
  const { config, log } = opts;
  const target = redisTargetOf(config, opts.redisUrl);
  const orm = await MikroORM.init(ormConfig(opts.databaseUrl, { replicaUrls: config.databaseReplicaUrls }));
  const box = new SecretBox(config.secretKey);
  await migrateAndSeed(orm, () => firstStart(orm.em.fork(), config, box, log));

  const redis = connectRedis(target, 'main');
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const keys = redisKeys(config.queuePrefix);
  const publishing = connectRedis(target, 'publisher');
  publishing.on('error', () => undefined); // the main connection logs outages
  const publisher = new Publisher(publishing, keys);
  const signer = new MediaSigner(config.jwtSecret);
  const channels = new ChannelCache(orm, box, redis, keys);
  await channels.listen();
  const sessions = new Sessions(orm, redis, publisher, keys);
  await sessions.listen();
  // The api role binds its port first, so the origin webhook addresses are built on is known before anything uses it.
  const server = config.role !== 'worker' ? await listen(config) : undefined;
  const port = server ? (server.address() as AddressInfo).port : config.port;
  const parts: Omit<Deps, 'live'> = {
    config,
    log,
    orm,
    redis,
    box,
    publicUrl: config.publicUrl ?? `http://localhost:${port}`,
    tokens: new TokenService(config.jwtSecret, config.jwtTtl),
    queues: createQueues(target, config.queuePrefix),
    metrics: createMetrics(),
    publisher,
    channels,
    media: new MediaStore(join(config.dataDir, 'media')),
    signer,
    presence: new Presence(redis, publisher, keys),
    fetcher: new SafeFetcher({ allow: config.fetch.allow, maxBytes: config.fetch.maxBytes, timeoutMs: config.fetch.timeoutMs }),
    sessions,
    loginThrottle: new LoginThrottle(redis, keys, config.loginLimits),
  };

  const deps: Deps = Object.assign(parts, { live: new LiveUpdates(parts) });
  const stops: (() => Promise<void>)[] = [];
  const hub: Hub = { deps, stop: async () => undefined };

  if (server) {
    // No await since the port was bound: no request arrives before the app answers it.
    const app = createApp(deps);
    server.on('request', getRequestListener(app.fetch, { hostname: config.host }));
    const sockets = createSocketServer(server, deps, registerHandlers(deps));
    const widgetSockets = startWidgetSockets(sockets.io, deps, (id, delivery, raw) => enqueueInbound(deps.queues, id, delivery, raw));
    stops.unshift(() => widgetSockets.close());
    hub.app = app;
    hub.io = sockets.io;
    hub.url = `http://127.0.0.1:${port}`;
    // Sockets first (closes the HTTP server too), so no request arrives while the rest stops.
    stops.unshift(() => sockets.close());
    log.info({ port, publicUrl: deps.publicUrl }, 'api role listening');
  }

  await deps.queues.ready();
  if (config.role !== 'api') {
    const workers = await startWorkers(deps);
    stops.push(() => workers.close());
    log.info('worker role started');
  }

  hub.stop = async () => {
    for (const stop of stops) await stop();
    deps.live.close();
    deps.presence.close();
    sessions.close();
    await channels.close();
    await publisher.close();
    await deps.queues.close();
    await deps.fetcher.close();
    publishing.disconnect();
    redis.disconnect();
    await orm.close();
  };
  return hub;
}

function redisTargetOf(config: Pick<Config, 'redisCluster'>, redisUrl: string | undefined): RedisTarget {
  if (config.redisCluster) return { cluster: config.redisCluster };
  if (!redisUrl) throw new Error('startHub needs a redisUrl or REDIS_CLUSTER_NODES');
  return { url: redisUrl };
}

function listen(config: Pick<Config, 'port' | 'host'>): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}
