import { CallerFailure, CallerStopped } from './results.js';

/** The longest wait for a greeting to begin: agents without one say nothing. */
const GREETING_WAIT_MS = 5000;

/** How often a condition is checked between notifications (conditions on time: play-out ends). */
const POLL_MS = 50;

/** Wakes a caller's script when something it may be waiting for happened. */
export class Wakeup {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves once `cond()` holds (checked now, at each notify and every 50 ms); rejects with
   * `onTimeout()` after `timeoutMs`, or with CallerStopped when `stop` aborts. `fail()` is
   * checked first each time: an error it returns rejects at once (the call ended, say).
   */
  until(cond: () => boolean, timeoutMs: number, onTimeout: () => Error, stop: AbortSignal, fail: () => Error | null = () => null): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => done(onTimeout()), timeoutMs);
      const poll = setInterval(() => check(), POLL_MS);
      const onStop = (): void => done(new CallerStopped('stopped'));
      const check = (): void => {
        const err = fail();
        if (err) return done(err);
        if (cond()) done(null);
      };
      const done = (err: Error | null): void => {
        clearTimeout(deadline);
        clearInterval(poll);
        this.waiters.delete(check);
        stop.removeEventListener('abort', onStop);
        if (err) reject(err);
        else resolve();
      };
      if (stop.aborted) return done(new CallerStopped('stopped'));
      stop.addEventListener('abort', onStop, { once: true });
      this.waiters.add(check);
      check();
    });
  }
}

/** Waits `ms`; rejects with CallerStopped when `stop` aborts first. */
export function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stop.aborted) return reject(new CallerStopped('stopped'));
    const onStop = (): void => {
      clearTimeout(t);
      reject(new CallerStopped('stopped'));
    };
    const t = setTimeout(() => {
      stop.removeEventListener('abort', onStop);
      resolve();
    }, ms);
    stop.addEventListener('abort', onStop, { once: true });
  });
}

/**
 * Waits for the agent's greeting to begin, for at most GREETING_WAIT_MS: an agent without one
 * is not a failure. A stop or a failure `fail()` reports (the call ended) still ends the script.
 */
export async function greetingBegun(wake: Wakeup, begun: () => boolean, stop: AbortSignal, fail: () => Error | null): Promise<void> {
  await wake.until(begun, GREETING_WAIT_MS, () => new Error('no greeting'), stop, fail).catch((err: unknown) => {
    if (err instanceof CallerStopped || err instanceof CallerFailure) throw err;
  });
}
