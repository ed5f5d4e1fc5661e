import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** A random token for fields the hub may generate (verify tokens, Telegram secret tokens). */
export const generatedToken = () => randomBytes(24).toString('base64url');

/** Optional origin that replaces the platform's API (proxies, regional endpoints, local doubles). */
export const apiBaseUrl = z.url().optional();
