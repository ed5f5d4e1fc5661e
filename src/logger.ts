import { pino, type Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the depths the hub logs. */
const SECRET_KEYS = [
  'password', 'passwordHash', 'token', 'accessToken', 'appSecret', 'verifyToken', 'botToken',
  'secretToken', 'authToken', 'imapPassword', 'smtpPassword', 'apiKey', 'credentials',
  'authorization', 'cookie', 'jwtSecret', 'secretKey', 'adminPassword',
];
const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);

export function createLogger(level: string, name = 'hub'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } });
}

export type { Logger };
