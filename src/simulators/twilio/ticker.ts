/**
 * One timer for every call of a network: hundreds of calls each with their own 20 ms timer would
 * wake the event loop hundreds of times per frame. The timer fires every `periodMs / slots` and
 * serves one slot of calls per firing, so calls are spread over `slots` phases 5 ms apart (by
 * default) instead of all sending their frames in one burst — real Twilio streams have phases of
 * their own. Firings are scheduled at `start + k · step` (drift does not accumulate); after a stall
 * the missed ones are skipped, not replayed — each call keeps its own frame schedule and catches
 * up itself.
 */
import { performance } from 'node:perf_hooks';

export interface Tickable {
  /** `nowMs` is `performance.now()` at the tick; called every `periodMs` (20 ms). */
  onTick(nowMs: number): void;
}

/** How well the ticker kept time: late ticks are the only cause of frames sent in pairs. */
export interface TickStats {
  ticks: number;
  /** Ticks that ran more than half a frame late, or were skipped: their calls sent late frames together. */
  late: number;
  maxLateMs: number;
}

export class FrameTicker {
  private readonly slots: Set<Tickable>[];
  private readonly slotOf = new Map<Tickable, number>();
  private readonly step: number;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private firings = 0;
  private firing = false;
  private nextSlot = 0;
  readonly stats: TickStats = { ticks: 0, late: 0, maxLateMs: 0 };

  constructor(
    private readonly periodMs = 20,
    slots = 4,
  ) {
    this.slots = Array.from({ length: slots }, () => new Set());
    this.step = periodMs / slots;
  }

  /** Subscribes `t` in the next slot (round robin); returns the slot, for anchor(). */
  add(t: Tickable): number {
    const existing = this.slotOf.get(t);
    if (existing !== undefined) return existing;
    if (this.timer === undefined && !this.firing) {
      this.startedAt = performance.now();
      this.firings = 0;
      this.schedule();
    }
    const slot = this.nextSlot;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    this.slots[slot]!.add(t);
    this.slotOf.set(t, slot);
    return slot;
  }

  delete(t: Tickable): void {
    const slot = this.slotOf.get(t);
    if (slot === undefined) return;
    this.slotOf.delete(t);
    this.slots[slot]!.delete(t);
    if (this.slotOf.size === 0 && !this.firing) this.stop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /**
   * The latest frame boundary at or before `now` for calls in `slot`: halfway between two of that
   * slot's ticks. A call whose frame schedule starts there has its boundaries half a frame away
   * from its ticks, so a tick that runs a few ms early or late still finds the same frames due: no
   * frame is held back a whole tick and then sent in a pair. (Timers run on the ms-granular loop
   * clock, so a tick may even fire a fraction of a ms before its `performance.now()` target.)
   */
  anchor(now: number, slot: number): number {
    const origin = this.startedAt + slot * this.step + this.periodMs / 2;
    return origin + this.periodMs * Math.floor((now - origin) / this.periodMs);
  }

  private schedule(): void {
    const now = performance.now();
    const due = Math.floor((now - this.startedAt) / this.step) + 1;
    if (due > this.firings + 1) this.stats.late += due - this.firings - 1; // skipped after a stall
    this.firings = Math.max(this.firings + 1, due);
    this.timer = setTimeout(this.fire, Math.max(0, this.startedAt + this.firings * this.step - now));
  }

  private readonly fire = (): void => {
    const now = performance.now();
    const lateMs = now - (this.startedAt + this.firings * this.step);
    this.stats.ticks++;
    this.stats.maxLateMs = Math.max(this.stats.maxLateMs, lateMs);
    if (lateMs > this.periodMs / 2) this.stats.late++;
    this.firing = true;
    for (const t of this.slots[this.firings % this.slots.length]!) {
      try {
        t.onTick(now);
      } catch (err) {
        // One call's bug must not stop every other call's audio.
        process.emitWarning(`Twilio simulator: a call's tick failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.firing = false;
    this.timer = undefined;
    if (this.slotOf.size > 0) this.schedule();
  };
}
