import type { FrameMeter } from '../../observability/audio-meter.js';

/** µ-law silence: 20 ms of it as Twilio frames it. */
const FRAME_MS = 20;
const BYTES_PER_MS = 8;
const SILENCE_FRAME_B64 = Buffer.alloc(FRAME_MS * BYTES_PER_MS, 0xff).toString('base64');
/** A gap longer than this is filled only this far: turn detection needs well under a second of silence. */
const MAX_FILL_MS = 2000;

/** Where the caller's audio goes: base64 µ-law, as `input_audio_buffer.append` carries it. */
export type AppendAudio = (base64: string) => void;

export interface InboundStats {
  frames: number;
  /** Frames dropped: they came after their time had been filled with silence, or twice. */
  late: number;
  /** Ms of silence put in for missing audio. */
  filledMs: number;
}

/**
 * The caller's audio, in Twilio's clock (`media.timestamp`, ms since the stream started).
 * Frames pass through untouched; a gap — frames lost, or none arriving while the line stalls —
 * is filled with silence, so turn detection still sees the caller stop talking and can end the
 * turn. A frame whose time was already filled arrives too late to matter and is dropped: the
 * engine's audio stays one continuous timeline.
 */
export class InboundStream {
  /** Twilio time up to which audio has been appended. */
  private covered = 0;
  private started = false;
  /** Wall-clock time of the last append, and the Twilio time it reached. */
  private lastWall = 0;
  /** When `tick` last ran. */
  private lastTick: number | null = null;
  readonly stats: InboundStats = { frames: 0, late: 0, filledMs: 0 };

  constructor(
    private readonly append: AppendAudio,
    private readonly now: () => number = () => performance.now(),
    private readonly meter?: FrameMeter,
  ) {}

  /** One `media` message's audio at its timestamp. */
  frame(timestampMs: number, payload: string, byteLength: number): void {
    this.stats.frames++;
    const durMs = byteLength / BYTES_PER_MS;
    if (!this.started) {
      this.started = true;
      this.covered = timestampMs;
    }
    if (timestampMs + durMs <= this.covered) {
      this.stats.late++;
      this.meter?.late(1);
      return;
    }
    if (timestampMs > this.covered) this.fill(Math.min(timestampMs - this.covered, MAX_FILL_MS));
    this.append(payload);
    this.covered = timestampMs + durMs;
    this.lastWall = this.now();
  }

  /**
   * Called every `everyMs`: when no frame has come for longer than `stallMs`, silence is put in
   * for the time that passed, so a stalled line cannot hold a turn open. A check that itself
   * runs late means this process stalled, not the line: frames may be waiting unread in the
   * socket, so it fills nothing and waits for the next, punctual check.
   */
  tick(stallMs: number, everyMs: number): void {
    if (!this.started) return;
    const now = this.now();
    const punctual = this.lastTick === null || now - this.lastTick <= everyMs * 2;
    this.lastTick = now;
    if (!punctual) return;
    const silent = now - this.lastWall;
    if (silent < stallMs) return;
    const ms = Math.floor(silent / FRAME_MS) * FRAME_MS;
    this.fill(Math.min(ms, MAX_FILL_MS));
    this.covered += ms;
    this.lastWall += ms;
  }

  private fill(ms: number): void {
    const frames = Math.round(ms / FRAME_MS);
    for (let i = 0; i < frames; i++) this.append(SILENCE_FRAME_B64);
    this.stats.filledMs += frames * FRAME_MS;
    if (frames > 0) this.meter?.dropped(frames);
  }
}
