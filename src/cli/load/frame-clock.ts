/**
 * The load tool's one 20 ms clock. Every simulated microphone sends from it, as the Twilio
 * simulator's callers do from its ticker: a timer per caller would wake the loop hundreds of
 * times per frame. It fires every `periodMs / slots` and serves one slot of callers per firing,
 * so callers send in `slots` phases instead of one burst. Firings are scheduled at
 * `start + k · step` (no drift); after a stall the missed ones are skipped and each caller
 * catches up with the frames it owes.
 *
 * It also measures the load tool itself: how late each firing ran against its schedule. Late
 * firings mean late frames, and a server can only be judged by frames sent on time.
 */
import { performance } from 'node:perf_hooks';
import { Samples } from './percentiles.js';

export interface ClockSubscriber {
  /** `now`: performance.now() at the firing; `due`: when it was scheduled (a multiple of the period apart for one subscriber). */
  onTick(now: number, due: number): void;
}

export class FrameClock {
  /** ms each firing ran late. */
  readonly lateness = new Samples();
  private readonly slots: Set<ClockSubscriber>[];
  private readonly step: number;
  private startedAt = 0;
  private firings = 0;
  private nextSlot = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    readonly periodMs = 20,
    slots = 4,
  ) {
    this.slots = Array.from({ length: slots }, () => new Set());
    this.step = periodMs / slots;
  }

  /** Starts firing (with or without subscribers: alone it still measures the event loop). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    this.firings = 0;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Subscribes in the next slot, round robin. */
  add(s: ClockSubscriber): void {
    this.slots[this.nextSlot]!.add(s);
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
  }

  delete(s: ClockSubscriber): void {
    for (const slot of this.slots) slot.delete(s);
  }

  private schedule(): void {
    if (!this.running) return;
    const now = performance.now();
    const due = Math.floor((now - this.startedAt) / this.step) + 1;
    this.firings = Math.max(this.firings + 1, due);
    this.timer = setTimeout(this.fire, Math.max(0, this.startedAt + this.firings * this.step - now));
  }

  private readonly fire = (): void => {
    const now = performance.now();
    const due = this.startedAt + this.firings * this.step;
    // Timers run on the ms-granular loop clock: a firing a fraction of a ms early is on time.
    this.lateness.push(Math.max(0, now - due));
    for (const s of this.slots[this.firings % this.slots.length]!) {
      try {
        s.onTick(now, due);
      } catch (err) {
        // One caller's bug must not stop every other caller's audio.
        process.emitWarning(`parley load: a caller's tick failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.schedule();
  };
}
