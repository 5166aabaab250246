import type { Refusal } from '../access/refusal.js';
import type { Reservation } from './admission.js';

export type NodeState = 'ready' | 'full' | 'draining';

/**
 * How many sessions this node holds, against its maximum (PARLEY_MAX_SESSIONS), and whether it
 * is draining. Whoever opens a session takes a place first — admins too: the limit protects the
 * node's CPU, not a quota. Local on purpose: each node knows its own load at once, without a
 * round trip, and refuses at once when it has no room.
 */
export class NodeCapacity {
  private held = 0;
  private draining = false;

  constructor(readonly max: number) {}

  get size(): number {
    return this.held;
  }

  get state(): NodeState {
    if (this.draining) return 'draining';
    return this.held >= this.max ? 'full' : 'ready';
  }

  /** From now on no new session is taken (SIGTERM). */
  drain(): void {
    this.draining = true;
  }

  /** Why a new session cannot be taken now, or null. */
  refusal(): Refusal | null {
    const state = this.state;
    if (state === 'draining') return { status: 503, code: 'server_draining', message: 'This server is shutting down and takes no new sessions; connect again to reach another instance.', retryAfterS: 1 };
    if (state === 'full') return { status: 503, code: 'server_full', message: `This server holds its maximum of ${this.max} sessions at once (PARLEY_MAX_SESSIONS); connect again in a moment or to another instance.`, retryAfterS: 1 };
    return null;
  }

  /** A place for one more session, released exactly once; or why not. Synchronous: no two can race for the last place. */
  take(): { ok: true; value: Reservation } | { ok: false; refusal: Refusal } {
    const refused = this.refusal();
    if (refused) return { ok: false, refusal: refused };
    this.held++;
    let released = false;
    return {
      ok: true,
      value: {
        release: () => {
          if (released) return;
          released = true;
          this.held--;
        },
      },
    };
  }
}
