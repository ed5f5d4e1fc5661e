/**
 * When the next packet of a stream (an organization's `conversation_updated`) may go: never
 * sooner than `minGapMs` after the last one, and on average one per `intervalMs`, with a burst of
 * `burst` packets after a quiet spell (the generic cell rate algorithm: a token bucket kept as
 * one timestamp). A trickle at or below one change per interval goes out at once, whatever its
 * jitter; a faster stream waits, and what waits goes together in the next packet.
 */
export class Pacer {
  /** When the stream, sent at exactly its average rate, would send its next packet. */
  private theoretical = -Infinity;
  private last = -Infinity;

  constructor(
    private readonly minGapMs: number,
    private readonly intervalMs: number,
    private readonly burst = 3,
  ) {}

  /** The earliest time (ms, on the caller's clock) a packet may go, at `now` or later. */
  nextAt(now: number): number {
    return Math.max(now, this.theoretical - (this.burst - 1) * this.intervalMs, this.last + this.minGapMs);
  }

  /** A packet went at `now`. */
  sent(now: number): void {
    this.theoretical = Math.max(this.theoretical, now) + this.intervalMs;
    this.last = now;
  }
}
