import type { Samples } from './percentiles.js';

export const FRAME_MS = 20;
/** Gaps shorter than this are timer noise, not silences anyone hears. */
export const GAP_MIN_MS = 1;

/**
 * Frame lateness of one stretch of agent audio (one response): the audio is cut into 20 ms
 * frames by byte count, and frame k is due when a player that started playing at the arrival of
 * the first byte, at real time, would need it: first arrival + 20 ms × k. Its lateness is how
 * long after that it arrived (the chunk that completed it), 0 when it came early — a server may
 * send ahead of real time. A player without a jitter buffer would go silent for that long:
 * lateness is the underrun the caller hears. A short last frame counts as a frame.
 *
 * Lateness is against the response's one schedule, so it adds up: a sender that, after a stall,
 * goes on at real time without catching up leaves every later frame late by the stall. The
 * stalls themselves are counted apart, as gaps: the silences a player that plays each frame as
 * soon as it is there (never early, never skipping) would insert — frame k plays at
 * max(its arrival, when frame k−1 ended), and a gap is the wait before it.
 */
export class PlayoutMeter {
  private t0 = -1;
  private bytes = 0;
  private framesDone = 0;
  private lastAt = 0;
  private maxLate = 0;
  /** When the frame played last ends, for the gap-filling player. */
  private playEnd = NaN;

  constructor(
    /** Bytes of one 20 ms frame: 960 for PCM16 24 kHz, 160 for µ-law 8 kHz. */
    private readonly frameBytes: number,
    /** Where each frame's lateness goes (ms). */
    private readonly out: Samples,
    /** Where each gap goes (ms; only gaps of GAP_MIN_MS or more). */
    private readonly gaps?: Samples,
  ) {}

  /** `n` bytes arrived at `at` (performance.now()). */
  receive(n: number, at: number): void {
    if (n <= 0) return;
    if (this.t0 < 0) this.t0 = at;
    this.bytes += n;
    this.lastAt = at;
    while ((this.framesDone + 1) * this.frameBytes <= this.bytes) this.frame(at);
  }

  /** The stretch is over: a short last frame is counted, as of the last arrival. */
  finish(): void {
    if (this.bytes > this.framesDone * this.frameBytes) this.frame(this.lastAt);
  }

  private frame(at: number): void {
    const late = Math.max(0, at - (this.t0 + this.framesDone * FRAME_MS));
    this.maxLate = Math.max(this.maxLate, late);
    this.out.push(late);
    const gap = this.framesDone === 0 ? 0 : at - this.playEnd;
    if (gap >= GAP_MIN_MS) this.gaps?.push(gap);
    this.playEnd = (this.framesDone === 0 ? at : Math.max(at, this.playEnd)) + FRAME_MS;
    this.framesDone++;
  }

  get started(): boolean {
    return this.t0 >= 0;
  }

  /** performance.now() of the first byte (NaN before it). */
  get firstAt(): number {
    return this.t0 < 0 ? NaN : this.t0;
  }

  get frames(): number {
    return this.framesDone;
  }

  /** Audio received, ms. */
  get audioMs(): number {
    return (this.bytes / this.frameBytes) * FRAME_MS;
  }

  get maxLatenessMs(): number {
    return this.maxLate;
  }

  /** When the player would have played it all: the schedule's end, or the last arrival if later. */
  get playedOutAt(): number {
    return this.t0 < 0 ? NaN : Math.max(this.t0 + this.audioMs, this.lastAt);
  }
}
