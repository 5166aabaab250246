/**
 * What Twilio has played to the caller, learnt from marks. After each chunk of agent audio a
 * named mark goes into Twilio's playback queue; Twilio echoes it once everything queued before
 * it has played. So an echoed mark proves the caller heard its item up to that mark's position —
 * what a barge-in truncates to. A `clear` makes Twilio echo every mark still queued at once:
 * those echoes mean "discarded", not "played", and are ignored.
 */
export class MarkLedger {
  /** Marks sent and not echoed yet, in sending order. */
  private readonly pending = new Map<string, { itemId: string; endMs: number }>();
  /** Marks cleared away: their echo is not a playback. */
  private readonly discarded = new Set<string>();
  /** Per item, the ms Twilio has confirmed played. */
  private readonly played = new Map<string, number>();
  private readonly idleWaiters = new Set<() => void>();
  private seq = 0;
  private acked = 0;

  /** Names the mark that follows `itemId`'s audio up to `endMs`, and remembers it. */
  next(itemId: string, endMs: number): string {
    const name = `${itemId}:${endMs}:${++this.seq}`;
    this.pending.set(name, { itemId, endMs });
    return name;
  }

  /** An echoed mark. */
  ack(name: string): 'played' | 'discarded' | 'unknown' {
    if (this.discarded.delete(name)) return 'discarded';
    const mark = this.pending.get(name);
    if (!mark) return 'unknown';
    this.pending.delete(name);
    this.acked++;
    this.played.set(mark.itemId, Math.max(this.played.get(mark.itemId) ?? 0, mark.endMs));
    if (this.pending.size === 0) for (const w of this.idleWaiters) w();
    return 'played';
  }

  /** Ms of the item the caller has heard, as far as Twilio has confirmed. */
  playedMs(itemId: string): number {
    return this.played.get(itemId) ?? 0;
  }

  /** Audio sent is still queued or playing at Twilio. */
  get playing(): boolean {
    return this.pending.size > 0;
  }

  /** Marks echoed as played so far. */
  get acknowledged(): number {
    return this.acked;
  }

  /** A `clear` was sent: every pending mark is discarded. Returns the items they belonged to, in order. */
  discardAll(): string[] {
    const items = new Set<string>();
    for (const [name, { itemId }] of this.pending) {
      this.discarded.add(name);
      items.add(itemId);
    }
    this.pending.clear();
    for (const w of this.idleWaiters) w();
    return [...items];
  }

  /** Resolves once nothing sent is left unplayed (or after `maxMs`). */
  idle(maxMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.idleWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, maxMs);
      this.idleWaiters.add(done);
    });
  }
}
