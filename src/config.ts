import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BlockList } from 'node:net';
import { z } from 'zod';
import { parseNetworks } from './security/safe-fetch.js';
import type { RedisClusterTarget } from './queue/redis-connection.js';

const bool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : ['1', 'true', 'yes'].includes(v)));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().optional(),
  DATABASE_REPLICA_URLS: z.string().default(''),
  REDIS_URL: z.string().optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  HUB_SECRET_KEY: z.string().min(32, 'HUB_SECRET_KEY must be at least 32 characters').optional(),
  HUB_ADMIN_EMAIL: z.email().default('admin@example.com'),
  HUB_ADMIN_PASSWORD: z.string().min(8, 'HUB_ADMIN_PASSWORD must be at least 8 characters').optional(),
  HUB_DEMO: bool,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  DATA_DIR: z.string().default('data'),
  QUEUE_PREFIX: z.string().default('hub'),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  UPLOAD_LIMIT_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  UPLOADS_PER_USER_CONCURRENT: z.coerce.number().int().positive().default(3),
  UPLOADS_PER_USER_HOURLY: z.coerce.number().int().positive().default(200),
  HUB_FETCH_ALLOW: z.string().default(''),
  FETCH_LIMIT_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024),
  FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  GRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  GRAPH_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  CORS_ORIGINS: z.string().default(''),
  METRICS_TOKEN: z.union([z.literal(''), z.string().min(16, 'METRICS_TOKEN must be at least 16 characters')]).optional(),
  WEBHOOK_RETENTION_HOURS: z.coerce.number().positive().default(72),
  JWT_TTL: z.string().default('12h'),
  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().positive().default(100),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  WIDGET_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(30),
  WIDGET_SESSIONS_PER_MINUTE: z.coerce.number().int().positive().default(30),
  WIDGET_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(600),
  TRUST_PROXY: bool,
  INVITE_TTL_HOURS: z.coerce.number().positive().default(72),
  SESSION_SWEEP_MS: z.coerce.number().int().positive().default(30_000),
  BOT_PROVIDER: z.enum(['rules', 'openai']).default('rules'),
  BOT_OPENAI_BASE_URL: z.url().optional(),
  BOT_OPENAI_API_KEY: z.string().optional(),
  BOT_OPENAI_MODEL: z.string().optional(),
  BOT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  WA_WEB_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/).optional(),
  WA_WEB_VERSION_CACHE: z.enum(['local', 'remote', 'none']).default('local'),
  WA_WEB_VERSION_URL: z.string().includes('{version}').optional(),
  WA_WEB_MAX_SESSIONS: z.coerce.number().int().positive().default(10),
  WA_WEB_CHROMIUM_ARGS: z.string().default(''),
});

export class ConfigError extends Error {}

const SECRETS = ['JWT_SECRET', 'HUB_SECRET_KEY'] as const;

/** The environment as the hub's settings; `Config` is what this returns. */
const ConfigSchema = EnvSchema.transform((e) => {
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    /** Public origin for webhook addresses; unset: http://localhost:PORT (the port bound, src/hub.ts). */
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL || undefined,
    /** Streaming replicas the inbox list, thread pages and search may read from (src/domain/replica-reads.ts). */
    databaseReplicaUrls: postgresUrls('DATABASE_REPLICA_URLS', e.DATABASE_REPLICA_URLS),
    redisUrl: e.REDIS_URL || undefined,
    /** A Redis Cluster to run on instead of one Redis (src/queue/redis-connection.ts). */
    redisCluster: redisClusterOf(e),
    ...secretsOf(e, dataDir),
    adminEmail: e.HUB_ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.HUB_ADMIN_PASSWORD,
    demo: e.HUB_DEMO ?? e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    dataDir,
    queuePrefix: e.QUEUE_PREFIX,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    /** Per user: uploads at the same time, and uploads in a rolling hour. */
    uploadsPerUser: { concurrent: e.UPLOADS_PER_USER_CONCURRENT, hourly: e.UPLOADS_PER_USER_HOURLY },
    /** Server-side fetches of URLs others chose (src/security/safe-fetch.ts). */
    fetch: { allow: networks('HUB_FETCH_ALLOW', e.HUB_FETCH_ALLOW), maxBytes: e.FETCH_LIMIT_BYTES, timeoutMs: e.FETCH_TIMEOUT_MS },
    /** Given to connectors (ConnectorContext.timeouts): how long a silent platform API or file download is waited for. */
    connectorTimeouts: { apiMs: e.GRAPH_TIMEOUT_MS, downloadMs: e.GRAPH_DOWNLOAD_TIMEOUT_MS },
    /** Origins (besides PUBLIC_URL's) allowed to call the API and open sockets from a browser. */
    corsOrigins: origins(e.CORS_ORIGINS),
    /** Bearer token for GET /metrics; unset: /metrics answers 404. */
    metricsToken: e.METRICS_TOKEN || undefined,
    webhookRetentionHours: e.WEBHOOK_RETENTION_HOURS,
    jwtTtl: e.JWT_TTL,
    /** Sign-in attempts allowed per account and per client address within the window. */
    loginLimits: { perAccount: e.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT, perAddress: e.LOGIN_MAX_ATTEMPTS_PER_ADDRESS, windowSeconds: e.LOGIN_WINDOW_SECONDS },
    widgetLimits: { messagesPerVisitor: e.WIDGET_MESSAGES_PER_MINUTE, sessionsPerAddress: e.WIDGET_SESSIONS_PER_MINUTE, requestsPerAddress: e.WIDGET_REQUESTS_PER_MINUTE },
    /** Behind a reverse proxy: the client address is the last X-Forwarded-For entry. */
    trustProxy: e.TRUST_PROXY ?? false,
    inviteTtlHours: e.INVITE_TTL_HOURS,
    /** How often each API process re-checks its open sockets' users (a backstop to the immediate close). */
    sessionSweepMs: e.SESSION_SWEEP_MS,
    /** WhatsApp Web sessions: the pinned WhatsApp Web build and where its page comes from, sessions per worker, extra Chromium flags. */
    whatsappWeb: whatsappWebOf(e),
    bot: {
      provider: e.BOT_PROVIDER,
      timeoutMs: e.BOT_TIMEOUT_MS,
      openai: botOpenAi(e),
    },
  };
});

export type Config = z.infer<typeof ConfigSchema>;

/**
 * Parses the environment once. In production a missing secret stops start-up; elsewhere
 * secrets are generated on first use and kept in <DATA_DIR>/secrets.json (git-ignored).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // The transform's own refusals are ConfigErrors, thrown as they are.
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

type Env = z.infer<typeof EnvSchema>;

function botOpenAi(e: Env): { baseUrl: string; apiKey: string; model: string } | undefined {
  if (e.BOT_OPENAI_BASE_URL && e.BOT_OPENAI_API_KEY && e.BOT_OPENAI_MODEL) return { baseUrl: e.BOT_OPENAI_BASE_URL, apiKey: e.BOT_OPENAI_API_KEY, model: e.BOT_OPENAI_MODEL };
  if (e.BOT_PROVIDER === 'openai') throw new ConfigError('BOT_PROVIDER=openai needs BOT_OPENAI_BASE_URL, BOT_OPENAI_API_KEY and BOT_OPENAI_MODEL');
  return undefined;
}

function whatsappWebOf(e: Env) {
  if (e.WA_WEB_VERSION_CACHE === 'remote' && !e.WA_WEB_VERSION_URL) {
    throw new ConfigError('WA_WEB_VERSION_CACHE=remote needs WA_WEB_VERSION_URL (a URL with {version} in it)');
  }
  return {
    webVersion: e.WA_WEB_VERSION,
    webVersionCache: e.WA_WEB_VERSION_CACHE,
    webVersionUrl: e.WA_WEB_VERSION_URL,
    maxSessions: e.WA_WEB_MAX_SESSIONS,
    chromiumArgs: e.WA_WEB_CHROMIUM_ARGS.split(/\s+/).filter(Boolean),
  };
}

/**
 * `REDIS_CLUSTER_NODES=10.0.0.1:7001,10.0.0.2:7001` (or `redis://user:pass@host:port` entries,
 * `rediss://` for TLS): some of the cluster's nodes, the rest are discovered from them.
 */
function redisClusterOf(e: Env): RedisClusterTarget | undefined {
  const entries = (e.REDIS_CLUSTER_NODES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!entries.length) return undefined;
  const invalid = (why: string) => new ConfigError(`Invalid configuration:\n  REDIS_CLUSTER_NODES: ${why}`);
  if (e.REDIS_URL) throw invalid('set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  const urls = entries.map((entry) => {
    const text = entry.includes('://') ? entry : `redis://${entry}`;
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname || !url.port) throw invalid(`not host:port or redis://host:port: ${entry}`);
    return url;
  });
  const withAuth = urls.find((u) => u.password || u.username);
  return {
    nodes: urls.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) })),
    username: withAuth?.username ? decodeURIComponent(withAuth.username) : undefined,
    password: withAuth?.password ? decodeURIComponent(withAuth.password) : undefined,
    tls: urls.some((u) => u.protocol === 'rediss:'),
  };
}

function secretsOf(e: Env, dataDir: string): { jwtSecret: string; secretKey: string } {
  const secrets: Record<(typeof SECRETS)[number], string | undefined> = { JWT_SECRET: e.JWT_SECRET, HUB_SECRET_KEY: e.HUB_SECRET_KEY };
  const missing = SECRETS.filter((k) => !secrets[k]);
  if (missing.length) {
    if (e.NODE_ENV === 'production') {
      throw new ConfigError(`Missing required secret(s) in production: ${missing.join(', ')}. Set them in the environment (32+ random characters each).`);
    }
    Object.assign(secrets, devSecrets(dataDir, missing));
  }
  return { jwtSecret: secrets.JWT_SECRET!, secretKey: secrets.HUB_SECRET_KEY! };
}

function networks(name: string, list: string): BlockList {
  try {
    return parseNetworks(list);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${(err as Error).message}`);
  }
}

/** `postgresql://a/db, postgresql://b/db` -> the URLs; throws on anything that is not a Postgres URL. */
function postgresUrls(name: string, list: string): string[] {
  const urls = list.split(',').map((s) => s.trim()).filter(Boolean);
  urls.forEach((u, i) => {
    // The URL may carry a password: the message names its place in the list, never the URL.
    if (!URL.canParse(u) || !['postgres:', 'postgresql:'].includes(new URL(u).protocol)) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: entry ${i + 1} is not a postgresql:// URL`);
    }
  });
  return urls;
}

/** `https://a.example, https://b.example:8443` -> their origins; throws on anything that is not one. */
function origins(list: string): string[] {
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((o) => {
    const url = URL.canParse(o) ? new URL(o) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== o.replace(/\/+$/, '')) {
      throw new ConfigError(`Invalid configuration:\n  CORS_ORIGINS: not an origin (scheme://host[:port]): ${o}`);
    }
    return url.origin;
  });
}

function devSecrets(dataDir: string, names: readonly string[]): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  const kept: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const name of names) {
    if (!kept[name]) {
      kept[name] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(kept, null, 2), { mode: 0o600 });
  }
  return Object.fromEntries(names.map((n) => [n, kept[n]!]));
}
