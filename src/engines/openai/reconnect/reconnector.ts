import type { Logger } from 'pino';
import { OpenAIEngineError } from '../errors.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';

export interface ReconnectorHooks {
  /** One attempt; resolves once the new upstream serves the session. */
  attempt(n: number): Promise<void>;
  /** Every attempt failed, or one failed in a way retrying can't fix. */
  giveUp(last: Error, attempts: number): void;
  logger: Logger;
}

/**
 * Tries to get an upstream back: attempt n after the n-th backoff delay, up to
 * `maxAttempts`, then gives up. A new `start` replaces a run still going (the connection
 * it was restoring is gone too); `stop` ends it. Only the latest run may report.
 */
export class Reconnector {
  private run = 0;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  constructor(
    private readonly opts: BackoffOptions,
    private readonly hooks: ReconnectorHooks,
  ) {}

  start(cause: Error): void {
    this.stop();
    void this.loop(++this.run, cause);
  }

  stop(): void {
    this.run++;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
      this.sleeping = null;
    }
  }

  private async loop(run: number, cause: Error): Promise<void> {
    let last = cause;
    let n = 0;
    while (n < this.opts.maxAttempts) {
      n++;
      const delay = backoffDelayMs(n, this.opts);
      await new Promise<void>((wake) => (this.sleeping = { timer: setTimeout(wake, delay), wake }));
      if (run !== this.run) return;
      this.sleeping = null;
      try {
        await this.hooks.attempt(n);
        return;
      } catch (err) {
        if (run !== this.run) return;
        last = err as Error;
        const fatal = err instanceof OpenAIEngineError && !err.retriable;
        this.hooks.logger.warn({ attempt: n, of: this.opts.maxAttempts, code: (err as { code?: string }).code, err_message: last.message }, fatal ? 'upstream reconnect failed for good' : 'upstream reconnect attempt failed');
        if (fatal) break;
      }
    }
    if (run === this.run) this.hooks.giveUp(last, n);
  }
}
