import type { RedisClient } from '../queue/redis-connection.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { tooManyRequests } from '../errors.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import type { Config } from '../config.js';

type Limit = 'visitor' | 'session' | 'address';

/**
 * Website visitors, counted in Redis per minute (in memory while Redis is away): messages per
 * visitor, new sessions per address, and every widget request per address. Over: 429.
 */
export class WidgetThrottle {
  private readonly limiters: Record<Limit, RateLimiterRedis>;

  constructor(redis: RedisClient, keys: RedisKeys, limits: Config['widgetLimits']) {
    const make = (name: Limit, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.widgetLimiter(name),
        points,
        duration: 60,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
      });
    this.limiters = {
      visitor: make('visitor', limits.messagesPerVisitor),
      session: make('session', limits.sessionsPerAddress),
      address: make('address', limits.requestsPerAddress),
    };
  }

  /** Counts one against `limit` for `key`; throws 429 (with Retry-After) when it is used up. */
  async take(limit: Limit, key: string): Promise<void> {
    try {
      await this.limiters[limit].consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw tooManyRequests(err.msBeforeNext / 1000, 'Too many requests; slow down a little');
      throw err;
    }
  }
}
