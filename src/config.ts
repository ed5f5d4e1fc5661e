import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BlockList } from 'node:net';
import { z } from 'zod';
import { parseNetworks } from './security/safe-fetch.js';

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
  REDIS_URL: z.string().optional(),
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
});

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Public origin for webhook addresses; undefined until the port is known (then http://localhost:PORT). */
  publicUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  jwtSecret: string;
  secretKey: string;
  adminEmail: string;
  adminPassword?: string;
  demo: boolean;
  logLevel: string;
  role: 'api' | 'worker' | 'all';
  dataDir: string;
  queuePrefix: string;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** Per user: uploads at the same time, and uploads in a rolling hour. */
  uploadsPerUser: { concurrent: number; hourly: number };
  /** Server-side fetches of URLs others chose (src/security/safe-fetch.ts). */
  fetch: { allow: BlockList; maxBytes: number; timeoutMs: number };
  /** Origins (besides PUBLIC_URL's) allowed to call the API and open sockets from a browser. */
  corsOrigins: string[];
  /** Bearer token for GET /metrics; unset: /metrics answers 404. */
  metricsToken?: string;
  webhookRetentionHours: number;
  jwtTtl: string;
  /** Sign-in attempts allowed per account and per client address within the window. */
  loginLimits: { perAccount: number; perAddress: number; windowSeconds: number };
  /** Website live chat: messages per visitor, sessions and all widget requests per address, each a minute. */
  widgetLimits: { messagesPerVisitor: number; sessionsPerAddress: number; requestsPerAddress: number };
  /** Behind a reverse proxy: the client address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  inviteTtlHours: number;
  /** How often each API process re-checks its open sockets' users (a backstop to the immediate close). */
  sessionSweepMs: number;
  bot: { provider: 'rules' | 'openai'; timeoutMs: number; openai?: { baseUrl: string; apiKey: string; model: string } };
};

export class ConfigError extends Error {}

const SECRETS = ['JWT_SECRET', 'HUB_SECRET_KEY'] as const;

/**
 * Parses the environment once. In production a missing secret stops start-up; elsewhere
 * secrets are generated on first use and kept in <DATA_DIR>/secrets.json (git-ignored).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const secrets: Record<string, string | undefined> = { JWT_SECRET: e.JWT_SECRET, HUB_SECRET_KEY: e.HUB_SECRET_KEY };
  if (e.BOT_PROVIDER === 'openai' && !(e.BOT_OPENAI_BASE_URL && e.BOT_OPENAI_API_KEY && e.BOT_OPENAI_MODEL)) {
    throw new ConfigError('BOT_PROVIDER=openai needs BOT_OPENAI_BASE_URL, BOT_OPENAI_API_KEY and BOT_OPENAI_MODEL');
  }
  const missing = SECRETS.filter((k) => !secrets[k]);
  if (missing.length) {
    if (e.NODE_ENV === 'production') {
      throw new ConfigError(`Missing required secret(s) in production: ${missing.join(', ')}. Set them in the environment (32+ random characters each).`);
    }
    Object.assign(secrets, devSecrets(dataDir, missing));
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL || undefined,
    redisUrl: e.REDIS_URL || undefined,
    jwtSecret: secrets.JWT_SECRET!,
    secretKey: secrets.HUB_SECRET_KEY!,
    adminEmail: e.HUB_ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.HUB_ADMIN_PASSWORD,
    demo: e.HUB_DEMO ?? e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    dataDir,
    queuePrefix: e.QUEUE_PREFIX,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    uploadsPerUser: { concurrent: e.UPLOADS_PER_USER_CONCURRENT, hourly: e.UPLOADS_PER_USER_HOURLY },
    fetch: { allow: networks('HUB_FETCH_ALLOW', e.HUB_FETCH_ALLOW), maxBytes: e.FETCH_LIMIT_BYTES, timeoutMs: e.FETCH_TIMEOUT_MS },
    corsOrigins: origins(e.CORS_ORIGINS),
    metricsToken: e.METRICS_TOKEN || undefined,
    webhookRetentionHours: e.WEBHOOK_RETENTION_HOURS,
    jwtTtl: e.JWT_TTL,
    loginLimits: { perAccount: e.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT, perAddress: e.LOGIN_MAX_ATTEMPTS_PER_ADDRESS, windowSeconds: e.LOGIN_WINDOW_SECONDS },
    widgetLimits: { messagesPerVisitor: e.WIDGET_MESSAGES_PER_MINUTE, sessionsPerAddress: e.WIDGET_SESSIONS_PER_MINUTE, requestsPerAddress: e.WIDGET_REQUESTS_PER_MINUTE },
    trustProxy: e.TRUST_PROXY ?? false,
    inviteTtlHours: e.INVITE_TTL_HOURS,
    sessionSweepMs: e.SESSION_SWEEP_MS,
    bot: {
      provider: e.BOT_PROVIDER,
      timeoutMs: e.BOT_TIMEOUT_MS,
      openai: e.BOT_OPENAI_BASE_URL && e.BOT_OPENAI_API_KEY && e.BOT_OPENAI_MODEL
        ? { baseUrl: e.BOT_OPENAI_BASE_URL, apiKey: e.BOT_OPENAI_API_KEY, model: e.BOT_OPENAI_MODEL }
        : undefined,
    },
  };
}

function networks(name: string, list: string): BlockList {
  try {
    return parseNetworks(list);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${(err as Error).message}`);
  }
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
