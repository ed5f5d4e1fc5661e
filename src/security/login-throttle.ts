import type { RedisClient } from '../queue/redis-connection.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { tooManyRequests } from '../errors.js';
import type { RedisKeys } from '../queue/redis-keys.js';

export type ThrottleLimits = { perAccount: number; perAddress: number; windowSeconds: number };

/**
 * Sign-in attempts counted in Redis (shared by every API process), per account and per
 * client address. An attempt is counted before its password is hashed, atomically, so a burst
 * of concurrent guesses is refused with 429 without costing scrypt work; a success clears
 * the account's count. If Redis is unreachable, each process counts in memory meanwhile.
 */
export class LoginThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(redis: RedisClient, keys: RedisKeys, limits: ThrottleLimits) {
    const make = (name: 'account' | 'address', points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.loginLimiter(name),
        points,
        duration: limits.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: limits.windowSeconds }),
      });
    this.byAccount = make('account', limits.perAccount);
    this.byAddress = make('address', limits.perAddress);
  }

  /** Counts one attempt; throws 429 (with Retry-After) when the account or the address has used its window. */
  async attempt(account: string, address: string): Promise<void> {
    const results = await Promise.allSettled([this.byAddress.consume(address), this.byAccount.consume(account)]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    if (!refused.length) return;
    const limited = refused.filter((e): e is RateLimiterRes => e instanceof RateLimiterRes);
    if (limited.length < refused.length) throw refused.find((e) => !(e instanceof RateLimiterRes));
    throw tooManyRequests(Math.max(...limited.map((r) => r.msBeforeNext)) / 1000, 'Too many sign-in attempts; try again later');
  }

  async succeeded(account: string): Promise<void> {
    await this.byAccount.delete(account);
  }
}
