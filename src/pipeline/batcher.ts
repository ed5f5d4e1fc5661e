/**
 * Collects items from many concurrent callers and hands them to `flush` together: one
 * transaction for a batch instead of one per message. Each caller's promise settles with its
 * batch, so a queue job completes only once its events are committed.
 *
 * One flush runs at a time, so effects keep arrival order. While it runs, new items wait and
 * the next batch is cut when it ends: the busier the pipeline, the larger the batches.
 */
export class Batcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxSize: number; maxWaitMs: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.running) return;
      if (this.pending.length >= this.opts.maxSize) this.start();
      else this.timer ??= setTimeout(() => this.start(), this.opts.maxWaitMs);
    });
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.opts.maxSize);
    this.running = this.run(batch).finally(() => {
      this.running = undefined;
      // Whatever arrived meanwhile has waited long enough: flush it at once.
      this.start();
    });
  }

  private async run(batch: typeof this.pending): Promise<void> {
    try {
      const results = await this.flush(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
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
