import type { RealtimeSession } from './realtime-session.js';

/** The live sessions of this process, so shutdown, readiness, metrics and the cluster directory can see them. */
export class SessionRegistry {
  private readonly sessions = new Map<string, RealtimeSession>();
  private readonly watchers: ((session: RealtimeSession) => void)[] = [];

  add(session: RealtimeSession): void {
    this.sessions.set(session.id, session);
    session.onEnd(() => this.sessions.delete(session.id));
    for (const watch of this.watchers) watch(session);
  }

  /** Calls `watch` with every session added from now on (it may subscribe to the session's end). */
  onAdd(watch: (session: RealtimeSession) => void): void {
    this.watchers.push(watch);
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): RealtimeSession | undefined {
    return this.sessions.get(id);
  }

  list(): RealtimeSession[] {
    return [...this.sessions.values()];
  }

  /** Ends every session with the given close code and reason. */
  async endAll(reason: string, code: number): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.end({ reason, code })));
  }
}
