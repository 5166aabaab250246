/** Delays before each reconnect attempt: exponential with jitter, capped, and a limit on attempts. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly opts: { firstMs: number; maxMs: number; attempts: number; random?: () => number } = { firstMs: 500, maxMs: 8000, attempts: 8 },
  ) {}

  /** The next delay, or null when it is time to give up. */
  next(): number | null {
    if (this.attempt >= this.opts.attempts) return null;
    const base = Math.min(this.opts.maxMs, this.opts.firstMs * 2 ** this.attempt++);
    // ±25 % so many clients dropped together do not come back in step.
    return Math.round(base * (0.75 + 0.5 * (this.opts.random ?? Math.random)()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
