import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Admission, Reservation } from '../server/limits/admission.js';

/**
 * A place is a member of the quota's sorted set, scored by when its lease runs out (Redis's own
 * clock, so nodes' clocks don't matter). Expired places are dropped first, then the count is
 * checked and the place added — one script, so two nodes racing for the last place cannot both
 * get it.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/** Extends the leases a node still holds (members that were dropped are not re-added). */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]))
end
return #KEYS
`;

const key = (quota: string): string => `parley:admission:${quota}`;

/**
 * Concurrent sessions per quota counted across every node, in Redis. Each place is a lease the
 * holding node renews while the session lives: a node that dies without releasing its places
 * gives them back when the leases run out (`leaseMs`), instead of locking callers out for good.
 */
export class RedisAdmission implements Admission {
  private readonly held_ = new Map<string, { quota: string; member: string }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly leaseMs = 30_000,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  async reserve(quota: string, max: number): Promise<Reservation | null> {
    const member = `${this.nodeId}:${randomUUID()}`;
    const ok = await this.redis.eval(RESERVE, 1, key(quota), max, this.leaseMs, member);
    if (ok !== 1) return null;
    this.held_.set(member, { quota, member });
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held_.delete(member);
        // Best effort: a lost release is reclaimed when the lease runs out.
        this.redis.zrem(key(quota), member).catch(() => undefined);
      },
    };
  }

  async held(quota: string): Promise<number> {
    const now = Date.now();
    // Counted by score against this node's clock: close enough for tests and dashboards.
    return this.redis.zcount(key(quota), now, '+inf');
  }

  private async renew(): Promise<void> {
    if (this.held_.size === 0) return;
    const places = [...this.held_.values()];
    await this.redis.eval(RENEW, places.length, ...places.map((p) => key(p.quota)), this.leaseMs, ...places.map((p) => p.member)).catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
