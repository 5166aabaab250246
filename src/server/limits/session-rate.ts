import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../../auth/principal.js';

export interface SessionRateConfig {
  sessionsPerMinutePerIp: number;
  sessionsPerMinutePerKey: number;
}

/** Over a limit: HTTP 429 with `Retry-After`. */
export interface RateRefusal {
  code: 'rate_limited';
  retryAfterS: number;
  message: string;
}

/**
 * How many sessions may be *created* per minute: anonymous callers (public agents) per client
 * address, API keys per key. Admin keys are the operator's own and are not limited. A session
 * token was counted when it was minted, so connecting with it is not a second creation.
 * The limiters are rate-limiter-flexible's: in memory on one node, in Redis across nodes (src/cluster/).
 */
export class SessionRateLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly perKey: RateLimiterAbstract;

  constructor(
    private readonly config: SessionRateConfig,
    limiters: { perIp: RateLimiterAbstract; perKey: RateLimiterAbstract },
  ) {
    this.perIp = limiters.perIp;
    this.perKey = limiters.perKey;
  }

  /** Counts one session creation; a refusal when it is one too many. */
  async take(principal: Principal, ip: string): Promise<RateRefusal | null> {
    if (principal.kind === 'admin' || principal.kind === 'token') return null;
    const [limiter, key, what, limit] =
      principal.kind === 'key' ? [this.perKey, principal.id, `API key ${principal.id}`, this.config.sessionsPerMinutePerKey] : [this.perIp, ip, `address ${ip}`, this.config.sessionsPerMinutePerIp];
    try {
      await limiter.consume(key);
      return null;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      return { code: 'rate_limited', retryAfterS, message: `Too many new sessions from ${what}: at most ${limit} per minute. Try again in ${retryAfterS} s.` };
    }
  }
}
