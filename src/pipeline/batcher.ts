/**
 * Collects items from many concurrent callers and hands them to `flush` together: one
 * transaction for a batch instead of one per message. Each caller's promise settles with its
 * batch, so a queue job completes only once its events are committed.
 */
export class Batcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private flushing = Promise.resolve();

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxSize: number; maxWaitMs: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.maxSize) this.drain();
      else this.timer ??= setTimeout(() => this.drain(), this.opts.maxWaitMs);
    });
  }

  /** Batches run one after another, so their effects keep arrival order. */
  private drain() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = this.flushing.then(async () => {
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
    });
  }

  async close(): Promise<void> {
    this.drain();
    await this.flushing;
  }
}
