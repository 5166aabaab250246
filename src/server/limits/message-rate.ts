/**
 * How long a burst at the full rate may last before the limit bites: audio held back by a
 * network hiccup or a server pause arrives all at once, and a real-time caller must not be
 * cut off for it (50 frames of 20 ms a second, after a 4 s pause, are 200 messages at once).
 */
export const BURST_SECONDS = 5;

/**
 * Messages per second on one connection: a token bucket that refills at `perSecond` and holds
 * `BURST_SECONDS` worth. Synchronous and local (one connection, one counter): it runs on
 * every frame, so no promise and no store.
 */
export class MessageRate {
  /** The most messages that may arrive at once. */
  readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = perSecond * BURST_SECONDS;
    this.tokens = this.burst;
    this.last = now();
  }

  /** Counts one message; false when the bucket is empty (the caller sends faster than allowed). */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
