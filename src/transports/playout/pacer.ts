/**
 * When each outgoing audio frame may go on the wire. The engine produces audio faster than real
 * time; sending it as fast would fill the caller's jitter buffer, and then a barge-in could not
 * take back what was sent and the server would not know what the caller has heard. So frames
 * leave at real time, at most `leadMs` ahead of their play time.
 *
 * A talkspurt starts when audio arrives after everything sent has played: its first frame plays
 * now, frame k at `anchor + k · frameMs`. Sending can never fall behind that schedule: by the
 * time it would, the caller has played everything sent, so the audio that follows starts a new
 * talkspurt — a stalled event loop costs a gap, never a burst. Pure logic over an injected
 * clock (ms).
 */
export interface PacerOptions {
  frameMs: number;
  /** How far ahead of its play time a frame may be sent (absorbs timer and network jitter). */
  leadMs: number;
}

export const DEFAULT_PACER: PacerOptions = { frameMs: 20, leadMs: 40 };

export class Pacer {
  /** Play time of the current talkspurt's first frame; null before the first. */
  private anchor: number | null = null;
  /** Frames sent in the current talkspurt. */
  private sent = 0;
  private spurts = 0;

  constructor(private readonly opts: PacerOptions = DEFAULT_PACER) {}

  /**
   * How many of the `queued` frames may be sent at `now`, and counts them as sent. The first of
   * a new talkspurt is reported by `spurtStart` (RTP sets the marker bit on it).
   */
  take(now: number, queued: number): { frames: number; spurtStart: boolean } {
    if (queued <= 0) return { frames: 0, spurtStart: false };
    const { frameMs, leadMs } = this.opts;
    let spurtStart = false;
    if (this.anchor === null || now >= this.playedOutAt()) {
      this.anchor = now;
      this.sent = 0;
      this.spurts++;
      spurtStart = true;
    }
    const allowed = Math.floor((now + leadMs - this.anchor) / frameMs) + 1;
    const frames = Math.max(0, Math.min(queued, allowed - this.sent));
    this.sent += frames;
    return { frames, spurtStart: spurtStart && frames > 0 };
  }

  /** When the next frame may be sent (for the timer); `now` when one may go at once. */
  nextDueAt(now: number): number {
    if (this.anchor === null || now >= this.playedOutAt()) return now;
    return Math.max(now, this.anchor + this.sent * this.opts.frameMs - this.opts.leadMs);
  }

  /** When everything sent so far has played at the caller (`-Infinity` before anything was sent). */
  playedOutAt(): number {
    return this.anchor === null ? -Infinity : this.anchor + this.sent * this.opts.frameMs;
  }

  /** Something sent is still playing at `now`. */
  playing(now: number): boolean {
    return now < this.playedOutAt();
  }

  /** Frame index of the current talkspurt's next frame (RTP timestamps advance by it). */
  get frameInSpurt(): number {
    return this.sent;
  }

  get talkspurts(): number {
    return this.spurts;
  }

  /** Forgets the current talkspurt (barge-in: what was queued is gone); the next audio starts a new one. */
  reset(): void {
    this.anchor = null;
    this.sent = 0;
  }
}
