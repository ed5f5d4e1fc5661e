import { AppError } from '../errors.js';

/**
 * A counting semaphore with a bounded queue: at most `concurrency` jobs run, at most `queue`
 * wait, and beyond that a caller is refused at once (503 with Retry-After) instead of piling
 * up behind work that would make everyone wait.
 */
const busy = () => new AppError(503, 'busy', 'The hub is busy; try again in a moment', { headers: { 'retry-after': '1' } });

export class WorkLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly concurrency: number, readonly queue: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        throw busy();
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      // Hands the slot straight to the next waiter (running stays the same), or frees it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** True when a new job would be refused: callers can refuse before doing other work for it. */
  get full(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.queue;
  }

  refuseWhenFull(): void {
    if (this.full) throw busy();
  }

  get stats() {
    return { running: this.running, waiting: this.waiting.length };
  }
}
