import { pino, type DestinationStream, type Logger } from 'pino';

/** Keys whose values never reach a log line, at any of the depths the hub logs. */
const SECRET_KEYS = [
  'password', 'passwordHash', 'token', 'accessToken', 'appSecret', 'verifyToken', 'botToken',
  'secretToken', 'authToken', 'imapPassword', 'smtpPassword', 'apiKey', 'credentials',
  'authorization', 'cookie', 'jwtSecret', 'secretKey', 'adminPassword',
];
const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ name: 'hub', level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}

export type { Logger };
