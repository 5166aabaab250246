import type { RealtimeSession } from './realtime-session.js';

/** The live sessions of this process, so shutdown and readiness can see them. */
export class SessionRegistry {
  private readonly sessions = new Map<string, RealtimeSession>();

  add(session: RealtimeSession): void {
    this.sessions.set(session.id, session);
    session.onEnd(() => this.sessions.delete(session.id));
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): RealtimeSession | undefined {
    return this.sessions.get(id);
  }

  /** Ends every session with the given close code and reason. */
  async endAll(reason: string, code: number): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.end({ reason, code })));
  }
}
