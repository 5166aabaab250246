/**
 * Twilio's playback buffer for one call, as pure logic over an injected 20 ms tick.
 *
 * The application's `media` payloads queue up back to back, its `mark`s queue in order between
 * them. Each `tick()` commits the next 20 ms frame (160 µ-law bytes) to the caller's ear: the
 * queued audio that had arrived by the frame's start, topped up with silence (0xFF) when that runs
 * short — so audio is never heard before it arrived, even when a tick runs late.
 *
 * A mark is reached when the last byte queued before it has *finished* playing (its `ackedAtMs`
 * is that exact moment), and acknowledged by `flush(now)` once that moment has come — or at once
 * when nothing queued before it is still playing. `clear` drops the audio not yet committed and
 * acknowledges every pending mark at once, in order, those whose audio was dropped as `discarded`.
 *
 * Everything the caller heard is recorded time-aligned from the first tick: 8 kHz µ-law, one byte
 * per sample, silence included, so byte i was heard at call time i / 8 ms.
 */

export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
export const BYTES_PER_MS = 8;
export const ULAW_SILENCE = 0xff;

export interface MarkRecord {
  name: string;
  /** Call clock (ms since the first tick) when the acknowledgement was due. */
  ackedAtMs: number;
  /** Bytes of application audio played before this mark was reached (8 bytes = 1 ms). */
  playedBytesBefore: number;
  /** Acknowledged by a `clear`: the audio before it was dropped, not played. */
  discarded: boolean;
}

export interface PlaybackOptions {
  /** Keep what the caller heard (default true). 8 KB per second of call. */
  record?: boolean;
  /** Called for each acknowledgement, in order, when it is due (the call sends the echo). */
  onAck?: (mark: MarkRecord) => void;
}

type Entry = { kind: 'audio'; bytes: Uint8Array; offset: number; arrivedAtMs: number } | { kind: 'mark'; name: string };

interface Reached {
  name: string;
  atMs: number;
  playedBytesBefore: number;
}

const RECORD_CHUNK = 8000; // one second of µ-law: recording grows without copying

export class PlaybackBuffer {
  private queue: Entry[] = [];
  private head = 0;
  private queued = 0;
  private clock = 0;
  private played = 0;
  private audioEndMs = 0;
  /** Marks whose audio is all committed, in order: acknowledged by flush() once it has played. */
  private reached: Reached[] = [];
  private readonly frame = new Uint8Array(FRAME_BYTES);
  private readonly recording: Uint8Array[] | null;
  private recordPos = 0;
  readonly marks: MarkRecord[] = [];
  clears = 0;

  constructor(private readonly opts: PlaybackOptions = {}) {
    this.recording = opts.record === false ? null : [];
  }

  /** Call time (ms) at which the next frame starts: 20 × ticks so far. */
  get clockMs(): number {
    return this.clock;
  }

  /** Application audio queued and not yet committed to a frame. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Application audio committed to frames so far. */
  get playedBytes(): number {
    return this.played;
  }

  /** Call time at which the application audio committed so far ends. */
  get audioEndsAtMs(): number {
    return this.audioEndMs;
  }

  /** Nothing queued, no mark pending, and the last application audio has finished by `nowMs`. */
  idle(nowMs: number): boolean {
    return this.head === this.queue.length && this.reached.length === 0 && this.audioEndMs <= nowMs;
  }

  /** `nowMs`: the call clock at arrival (it plays from the first frame starting at or after it). */
  enqueueAudio(bytes: Uint8Array, nowMs: number): void {
    if (bytes.length === 0) return;
    this.queue.push({ kind: 'audio', bytes, offset: 0, arrivedAtMs: nowMs });
    this.queued += bytes.length;
  }

  /** `nowMs`: the call clock now, between ticks (for a mark with nothing left to wait for). */
  enqueueMark(name: string, nowMs: number): void {
    if (this.head < this.queue.length) {
      this.queue.push({ kind: 'mark', name });
      return;
    }
    // Nothing queued before it: reached when the frame now playing has played its audio.
    if (this.reached.length === 0 && this.audioEndMs <= nowMs) this.ack({ name, atMs: nowMs, playedBytesBefore: this.played }, false);
    else this.reached.push({ name, atMs: Math.max(nowMs, this.audioEndMs), playedBytesBefore: this.played });
  }

  /**
   * Drops the audio not yet committed and acknowledges every pending mark now. Marks whose audio is
   * all committed are acknowledged as played (that audio is heard, ending ≤ 20 ms from now);
   * acknowledging them here keeps the echoes in order.
   */
  clear(nowMs: number): void {
    this.clears++;
    for (const r of this.reached) this.ack({ ...r, atMs: nowMs }, false);
    this.reached = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.kind === 'mark') this.ack({ name: e.name, atMs: nowMs, playedBytesBefore: this.played }, true);
    }
    this.queue = [];
    this.head = 0;
    this.queued = 0;
  }

  /** The stream is gone: drops everything without acknowledgements (no one to send them to). Returns the marks dropped. */
  abandon(): number {
    let dropped = this.reached.length;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.kind === 'mark') dropped++;
    this.reached = [];
    this.queue = [];
    this.head = 0;
    this.queued = 0;
    return dropped;
  }

  /** Acknowledges the marks reached by `nowMs` (call clock), in order. */
  flush(nowMs: number): void {
    let i = 0;
    while (i < this.reached.length && this.reached[i]!.atMs <= nowMs) this.ack(this.reached[i++]!, false);
    if (i > 0) this.reached = this.reached.slice(i);
  }

  /**
   * Commits and records the next 20 ms frame (the marks it reaches wait for flush()). Returns the
   * frame (a reused buffer: copy it to keep it).
   */
  tick(): Uint8Array {
    const start = this.clock;
    let n = 0;
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      if (e.kind === 'mark') {
        this.head++;
        this.reached.push({ name: e.name, atMs: n === 0 ? Math.max(start, this.audioEndMs) : start + n / BYTES_PER_MS, playedBytesBefore: this.played + n });
        continue;
      }
      // Marks right after the frame's last byte are still taken above: they are reached when it ends.
      if (n === FRAME_BYTES || e.arrivedAtMs > start) break;
      const take = Math.min(FRAME_BYTES - n, e.bytes.length - e.offset);
      this.frame.set(e.bytes.subarray(e.offset, e.offset + take), n);
      e.offset += take;
      n += take;
      if (e.offset === e.bytes.length) this.head++;
    }
    this.played += n;
    this.queued -= n;
    if (n > 0) this.audioEndMs = start + n / BYTES_PER_MS;
    this.frame.fill(ULAW_SILENCE, n);
    this.record(this.frame);
    this.compact();
    this.clock = start + FRAME_MS;
    return this.frame;
  }

  /** Everything the caller heard so far (a copy), byte i at call time i / 8 ms. */
  heard(): Uint8Array {
    const chunks = this.recording ?? [];
    const out = new Uint8Array(Math.max(0, chunks.length - 1) * RECORD_CHUNK + (chunks.length > 0 ? this.recordPos : 0));
    chunks.forEach((c, i) => out.set(i === chunks.length - 1 ? c.subarray(0, this.recordPos) : c, i * RECORD_CHUNK));
    return out;
  }

  private ack(r: Reached, discarded: boolean): void {
    const mark: MarkRecord = { name: r.name, ackedAtMs: r.atMs, playedBytesBefore: r.playedBytesBefore, discarded };
    this.marks.push(mark);
    this.opts.onAck?.(mark);
  }

  private record(frame: Uint8Array): void {
    if (this.recording === null) return;
    let last = this.recording[this.recording.length - 1];
    // RECORD_CHUNK is a multiple of the frame size, so a frame never straddles two chunks.
    if (last === undefined || this.recordPos === RECORD_CHUNK) {
      last = new Uint8Array(RECORD_CHUNK);
      this.recording.push(last);
      this.recordPos = 0;
    }
    last.set(frame, this.recordPos);
    this.recordPos += frame.length;
  }

  /** Drops consumed entries once they pile up, so a long call's queue array does not grow forever. */
  private compact(): void {
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
