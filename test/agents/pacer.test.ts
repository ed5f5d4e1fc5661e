import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/realtime/pacer.js';

/** Each change's send time under the pacer, as LiveUpdates schedules them: what arrives while a packet is due joins it. */
function schedule(pacer: Pacer, arrivals: number[]): { at: number; changes: number }[] {
  const packets: { at: number; changes: number }[] = [];
  let due: { at: number; changes: number } | undefined;
  for (const t of arrivals) {
    if (due && due.at <= t) {
      pacer.sent(due.at);
      packets.push(due);
      due = undefined;
    }
    if (due) {
      due.changes++;
      continue;
    }
    const at = pacer.nextAt(t);
    if (at === t) {
      pacer.sent(t);
      packets.push({ at, changes: 1 });
    } else due = { at, changes: 1 };
  }
  if (due) packets.push(due);
  return packets;
}

describe('the conversation_updated pacer', () => {
  it('sends a trickle at about one change per interval at once, whatever its jitter (nothing to coalesce, nothing waits)', () => {
    // 10 changes a second after a burst, as a quiet organization's customers write: 100 ms apart, give or take 15.
    const burst = [0, 1, 2, 3, 4, 5];
    const trickle = Array.from({ length: 50 }, (_, i) => 400 + i * 100 + (i % 2 ? 15 : -15));
    const packets = schedule(new Pacer(25, 100), [...burst, ...trickle]);
    const late = packets.filter((p) => p.at >= 300);
    expect(late.map((p) => p.at)).toEqual(trickle);
    expect(late.every((p) => p.changes === 1)).toBe(true);
  });

  it('holds a steady flood to one packet per interval, each carrying what waited, after a short burst', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => i); // a change every millisecond for a second
    const packets = schedule(new Pacer(25, 100), flood);
    expect(packets.slice(0, 4).map((p) => p.at)).toEqual([0, 25, 50, 100]);
    const gaps = packets.slice(4).map((p, i) => p.at - packets[i + 3]!.at);
    expect(new Set(gaps)).toEqual(new Set([100]));
    expect(packets.length).toBeLessThanOrEqual(13);
    expect(packets.reduce((n, p) => n + p.changes, 0)).toBe(1000);
  });

  it('never sends two packets closer than the least gap, even with the burst unused', () => {
    const pacer = new Pacer(25, 100);
    pacer.sent(0);
    expect(pacer.nextAt(10)).toBe(25);
    expect(pacer.nextAt(30)).toBe(30);
  });
});
