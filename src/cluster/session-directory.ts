import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SessionRegistry } from '../session/registry.js';

const key = (id: string): string => `parley:session:${id}`;

/** Deletes the entry only if it still names this node: a resumed session may already be another's. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Which node holds which live session, in Redis: an entry per session naming its node, written
 * when the session is registered, removed when it ends, and kept alive by this node's heartbeat —
 * so the entries of a node that crashed run out by themselves (`leaseMs`).
 */
export class SessionDirectory {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly sessions: SessionRegistry,
    private readonly logger: Logger,
    private readonly leaseMs = 30_000,
  ) {
    sessions.onAdd((session) => {
      const id = session.id;
      this.redis.set(key(id), nodeId, 'PX', leaseMs).catch((err: unknown) => this.logger.warn({ err, session_id: id }, 'could not register the session in Redis'));
      session.onEnd(() => {
        this.redis.eval(RELEASE, 1, key(id), nodeId).catch((err: unknown) => this.logger.warn({ err, session_id: id }, 'could not remove the session from Redis'));
      });
    });
    this.timer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  holder(id: string): Promise<string | null> {
    return this.redis.get(key(id));
  }

  /** Removes a stale entry of a node that is gone. */
  async forget(id: string, node: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key(id), node);
  }

  private async heartbeat(): Promise<void> {
    const live = this.sessions.list();
    if (live.length === 0) return;
    const batch = this.redis.pipeline();
    for (const s of live) batch.set(key(s.id), this.nodeId, 'PX', this.leaseMs);
    await batch.exec().catch((err: unknown) => this.logger.warn({ err }, 'could not renew session entries in Redis'));
  }

  /** Entries left behind (a failed delete) run out by themselves. */
  close(): void {
    clearInterval(this.timer);
  }
}
