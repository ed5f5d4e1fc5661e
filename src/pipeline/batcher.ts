type Entry<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };

export type BatcherOptions<T> = {
  /** The most a batch holds, in `weigh` units (items unless told). */
  maxSize: number;
  maxWaitMs: number;
  /** How much of a batch one item takes (its events, say); 1 unless told. */
  weigh?: (item: T) => number;
  /** Items of different groups (organizations) share each batch round-robin, so no group's flood holds another's items back. */
  fairBy?: (item: T) => string;
  /** Whether a failed batch is retried item by item (not when the database is unreachable: each would fail the same). */
  retryAlone?: (err: unknown) => boolean;
};

/**
 * Collects items from many concurrent callers and hands them to `flush` together: one
 * transaction for a batch instead of one per message. Each caller's promise settles with its
 * batch, so a queue job completes only once its events are committed.
 *
 * One flush runs at a time, so effects keep arrival order (within a group). While it runs, new
 * items wait and the next batch is cut when it ends: the busier the pipeline, the larger the
 * batches, up to `maxSize`.
 */
export class Batcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private pendingWeight = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: BatcherOptions<T>,
  ) {}

  private weigh(item: T): number {
    return this.opts.weigh?.(item) ?? 1;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pendingWeight += this.weigh(item);
      if (this.running) return;
      if (this.pendingWeight >= this.opts.maxSize) this.start();
      else this.timer ??= setTimeout(() => this.start(), this.opts.maxWaitMs);
    });
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.pending.length === 0) return;
    const batch = this.cut();
    this.running = this.run(batch).finally(() => {
      this.running = undefined;
      // Whatever arrived meanwhile has waited long enough: flush it at once.
      this.start();
    });
  }

  /** The next batch: one item of each group in turn, oldest first, until it is full. */
  private cut(): Entry<T, R>[] {
    const groups = new Map<string, Entry<T, R>[]>();
    for (const e of this.pending) {
      const g = this.opts.fairBy?.(e.item) ?? '';
      const list = groups.get(g);
      if (list) list.push(e);
      else groups.set(g, [e]);
    }
    const batch: Entry<T, R>[] = [];
    let weight = 0;
    let full = false;
    while (!full && batch.length < this.pending.length) {
      for (const list of groups.values()) {
        const next = list[0];
        if (!next) continue;
        const w = this.weigh(next.item);
        if (batch.length && weight + w > this.opts.maxSize) {
          full = true;
          break;
        }
        batch.push(list.shift()!);
        weight += w;
      }
    }
    const taken = new Set(batch);
    this.pending = this.pending.filter((e) => !taken.has(e));
    this.pendingWeight -= weight;
    return batch;
  }

  private async run(batch: Entry<T, R>[]): Promise<void> {
    try {
      const results = await this.flush(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1 || !(this.opts.retryAlone?.(e) ?? true)) {
        for (const b of batch) b.reject(e);
        return;
      }
      // One bad item must not fail its neighbours: retry each alone.
      for (const b of batch) {
        await this.flush([b.item]).then((r) => b.resolve(r[0]!), b.reject);
      }
    }
  }

  async close(): Promise<void> {
    this.start();
    while (this.running) await this.running;
  }
}
