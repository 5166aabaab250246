import { backoffDelayMs } from '../../../src/engines/openai/reconnect/backoff.js';

/**
 * Delays before each reconnect attempt, and when to give up: the server's own schedule
 * (`backoffDelayMs`, as the openai engine reconnects upstream) with ±25 % jitter.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly opts: { firstMs: number; maxMs: number; attempts: number; random?: () => number } = { firstMs: 500, maxMs: 8000, attempts: 8 },
  ) {}

  /** The next delay, or null when it is time to give up. */
  next(): number | null {
    if (this.attempt >= this.opts.attempts) return null;
    // ±25 % so many clients dropped together do not come back in step.
    return backoffDelayMs(++this.attempt, { initialDelayMs: this.opts.firstMs, maxDelayMs: this.opts.maxMs, maxAttempts: this.opts.attempts, jitter: 0.25 }, this.opts.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
