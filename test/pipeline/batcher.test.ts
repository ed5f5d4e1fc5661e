import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/pipeline/batcher.js';

type Item = { org: string; n: number; events?: number };

/** A flush that records each batch and holds the first one until released (a slow transaction). */
function recorder() {
  const batches: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const flush = async (items: Item[]) => {
    batches.push(items.map((i) => `${i.org}${i.n}`));
    if (batches.length === 1) await gate;
    return items.map(() => undefined);
  };
  return { batches, release, flush };
}

describe('the batcher', () => {
  it("shares each batch round-robin between organizations, each one's items in order", async () => {
    const r = recorder();
    const b = new Batcher<Item, void>(r.flush, { maxSize: 4, maxWaitMs: 0, fairBy: (i) => i.org });
    const first = b.submit({ org: 'A', n: 0 });
    await new Promise((res) => setTimeout(res, 5));
    // While the first batch runs, A floods and B sends one.
    const flood = Array.from({ length: 10 }, (_, n) => b.submit({ org: 'A', n: n + 1 }));
    const single = b.submit({ org: 'B', n: 0 });
    r.release();
    await Promise.all([first, ...flood, single]);
    expect(r.batches[1]).toEqual(['A1', 'B0', 'A2', 'A3']);
    expect(r.batches.flat().filter((x) => x.startsWith('A'))).toEqual(Array.from({ length: 11 }, (_, n) => `A${n}`));
  });

  it('cuts batches by weight (events), an item heavier than a batch going alone', async () => {
    const r = recorder();
    const b = new Batcher<Item, void>(r.flush, { maxSize: 10, maxWaitMs: 0, weigh: (i) => i.events ?? 1 });
    const first = b.submit({ org: 'A', n: 0 });
    await new Promise((res) => setTimeout(res, 5));
    const rest = [b.submit({ org: 'A', n: 1, events: 6 }), b.submit({ org: 'A', n: 2, events: 6 }), b.submit({ org: 'A', n: 3, events: 25 }), b.submit({ org: 'A', n: 4, events: 1 })];
    r.release();
    await Promise.all([first, ...rest]);
    expect(r.batches).toEqual([['A0'], ['A1'], ['A2'], ['A3'], ['A4']]);
  });

  it('fails the whole batch at once when retrying items alone cannot help (an unreachable database)', async () => {
    let flushes = 0;
    const b = new Batcher<Item, void>(async () => {
      flushes++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }, { maxSize: 10, maxWaitMs: 5, retryAlone: (e) => (e as { code?: string }).code !== 'ECONNREFUSED' });
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, n) => b.submit({ org: 'A', n })));
    expect(results.every((x) => x.status === 'rejected')).toBe(true);
    expect(flushes).toBe(1);
  });
});
