import type { RedisClient } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';

export type UploadRefusal = { code: 'too_many_uploads'; message: string; retryAfterSeconds: number };

/**
 * Uploads per user, counted in Redis so every API process shares them: at most `concurrent` at
 * once and `hourly` per clock hour.
 */
export class UploadLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly limits: { concurrent: number; hourly: number },
  ) {}

  /** A slot for this user's upload (release it when done), or why not. */
  async acquire(userId: string): Promise<{ release(): Promise<void> } | UploadRefusal> {
    const active = this.keys.uploadsActive(userId);
    const hourStart = Math.floor(Date.now() / 3600_000);
    const hour = this.keys.uploadsInHour(userId, hourStart);
    // The active counter expires by itself should a process die holding slots.
    const replies = await this.redis.multi().incr(active).expire(active, 900).incr(hour).expire(hour, 3600).exec();
    const running = Number(replies?.[0]?.[1]);
    const thisHour = Number(replies?.[2]?.[1]);
    const refuse = async (message: string, retryAfterSeconds: number): Promise<UploadRefusal> => {
      await this.redis.multi().decr(active).decr(hour).exec();
      return { code: 'too_many_uploads', message, retryAfterSeconds };
    };
    if (running > this.limits.concurrent) return refuse(`At most ${this.limits.concurrent} uploads at a time`, 1);
    if (thisHour > this.limits.hourly) {
      return refuse(`At most ${this.limits.hourly} uploads an hour`, Math.max(1, Math.ceil(((hourStart + 1) * 3600_000 - Date.now()) / 1000)));
    }
    return { release: async () => void (await this.redis.decr(active)) };
  }
}
