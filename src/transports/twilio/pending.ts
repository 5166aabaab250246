import type { TwilioCall } from './call.js';

/**
 * Calls answered by the webhook whose media stream has not arrived yet, by session id. A
 * stream claims its call once: that is what makes the stream token single-use. A call whose
 * stream does not come in time is given up (`onExpired`).
 */
export class PendingCalls {
  private readonly waiting = new Map<string, { call: TwilioCall; timer: NodeJS.Timeout }>();

  add(sessionId: string, call: TwilioCall, ttlMs: number, onExpired: () => void): void {
    const timer = setTimeout(() => {
      if (this.waiting.get(sessionId)?.call !== call) return;
      this.waiting.delete(sessionId);
      onExpired();
    }, ttlMs);
    timer.unref();
    this.waiting.set(sessionId, { call, timer });
  }

  /** The call waiting for this session's stream, taken (a second claim gets null). */
  claim(sessionId: string): TwilioCall | null {
    const entry = this.waiting.get(sessionId);
    if (!entry) return null;
    clearTimeout(entry.timer);
    this.waiting.delete(sessionId);
    return entry.call;
  }

  /** The call ended before its stream came. */
  drop(sessionId: string): void {
    const entry = this.waiting.get(sessionId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(sessionId);
  }
}
