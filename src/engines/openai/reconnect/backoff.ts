export interface BackoffOptions {
  /** Delay before the first attempt. */
  initialDelayMs: number;
  /** Doubling stops here. */
  maxDelayMs: number;
  /** Attempts before the engine gives up (`upstream_unavailable`). */
  maxAttempts: number;
  /** Each delay is spread by ± this fraction (0…1). */
  jitter: number;
}

/** 1 s, 2 s, 4 s, 8 s, 10 s: about 25 s of trying before a call is given up. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 1000, maxDelayMs: 10_000, maxAttempts: 5, jitter: 0.2 };

/**
 * Delay before attempt `attempt` (1-based): initial·2^(attempt−1), capped, then spread by
 * ±jitter so the many sessions an upstream outage drops at once don't return in lockstep.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, opts.jitter));
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}
