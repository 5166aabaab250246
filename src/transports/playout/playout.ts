import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE } from '../../audio/index.js';
import { serverEvent } from '../../conversation/events.js';
import type { OutboundMeter } from '../../observability/audio-meter.js';
import type { ServerEvent } from '../../protocol/schemas/index.js';
import { DEFAULT_PACER, Pacer, type PacerOptions } from './pacer.js';

/** Samples as they go on the wire: PCM16, or one byte per sample (G.711). */
export type Samples = Int16Array | Uint8Array;

/** What a playout's frames are made of. */
export interface FrameFormat<A extends Samples> {
  /** Samples per frame (a frame lasts the pacer's `frameMs`). */
  frameSamples: number;
  sampleRate: number;
  /** `n` samples of silence (the padding of an item's last, short frame). */
  silence(n: number): A;
}

/** WebRTC: PCM16 at 24 kHz, 20 ms frames for the Opus encoder. */
export const PCM24K_FRAMES: FrameFormat<Int16Array> = { frameSamples: OPUS_FRAME_SAMPLES, sampleRate: OPUS_SAMPLE_RATE, silence: (n) => new Int16Array(n) };

/** One 20 ms frame ready to go out, and whose audio it carries. */
export interface OutFrame<A extends Samples = Int16Array> {
  audio: A;
  responseId: string;
  itemId: string;
  /** Samples of the item's own audio in it (the rest is padding at the item's end). */
  samples: number;
}

export interface PlayoutHooks<A extends Samples = Int16Array> {
  /** Puts one frame on the wire; `spurtStart` on the first after a pause (RTP marker bit). */
  send(frame: OutFrame<A>, spurtStart: boolean): void;
  /** `output_audio_buffer.started` / `.stopped` / `.cleared`, for the caller. */
  emit(event: ServerEvent): void;
  /** Counts how late frames leave against the schedule; absent = not counted. */
  meter?: OutboundMeter | undefined;
  now?: () => number;
}

/** A frame waiting to go out, and since when: it cannot be due before it was there. */
type Queued<A extends Samples> = OutFrame<A> & { queuedAt: number };

/** What a clear took back. */
export interface Cut {
  /** The response whose audio was playing (or queued first). */
  responseId: string;
  /** Each item whose audio was cut, with the ms of it sent on the wire: the playing one first. */
  items: Array<{ itemId: string; audioEndMs: number }>;
}

/**
 * The server-owned playout buffer of a call (WebRTC, telephone): the agent's audio is cut into
 * 20 ms frames per item and sent at real time (Pacer). It knows, per item, how much went on the
 * wire — what a barge-in truncates to — and tells the caller when a response's audio starts
 * (`output_audio_buffer.started`), when it has played out after the response ended (`.stopped`)
 * and when it was dropped (`.cleared`).
 */
export class Playout<A extends Samples = Int16Array> {
  private readonly pacer: Pacer;
  private readonly now: () => number;
  private readonly frameMs: number;
  private readonly leadMs: number;
  private readonly queue: Queued<A>[] = [];
  /** Each item's audio not yet a whole frame. */
  private readonly partial = new Map<string, { responseId: string; audio: A }>();
  /** Samples of each item sent. */
  private readonly sentSamples = new Map<string, number>();
  /** Responses whose audio has started going out, with when their last frame sent ends playing. */
  private readonly started = new Map<string, number>();
  /** Responses the engine has finished that may still owe `stopped`. */
  private readonly finished = new Set<string>();
  /** Responses cut off while the engine still runs them: their late deltas are dropped. */
  private readonly muted = new Set<string>();
  private last: OutFrame<A> | null = null;
  private lastResponse: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private paused = true;
  /** When sending last resumed: audio queued while paused is due from then. */
  private resumedAt = -Infinity;
  private closed = false;
  private readonly drainWaiters: Array<() => void> = [];

  constructor(
    private readonly hooks: PlayoutHooks<A>,
    private readonly frame: FrameFormat<A>,
    pacer: PacerOptions = DEFAULT_PACER,
  ) {
    this.pacer = new Pacer(pacer);
    this.frameMs = pacer.frameMs;
    this.leadMs = pacer.leadMs;
    this.now = hooks.now ?? (() => performance.now());
  }

  /** Starts sending (the media path is up); until then frames wait. */
  resume(): void {
    this.paused = false;
    this.resumedAt = this.now();
    this.schedule();
  }

  /** Agent audio for an item (`response.output_audio.delta`). */
  push(responseId: string, itemId: string, audio: A): void {
    if (this.closed || this.muted.has(responseId) || audio.length === 0) return;
    const held = this.partial.get(itemId);
    let all = audio;
    if (held) {
      all = this.frame.silence(held.audio.length + audio.length);
      all.set(held.audio);
      all.set(audio, held.audio.length);
    }
    const n = this.frame.frameSamples;
    const queuedAt = this.now();
    let at = 0;
    for (; at + n <= all.length; at += n) this.queue.push({ audio: all.slice(at, at + n) as A, responseId, itemId, samples: n, queuedAt });
    if (at < all.length) this.partial.set(itemId, { responseId, audio: all.slice(at) as A });
    else this.partial.delete(itemId);
    this.schedule();
  }

  /** The item's audio is complete (`response.output_audio.done`): its last part frame goes out padded. */
  itemDone(itemId: string): void {
    const held = this.partial.get(itemId);
    if (!held) return;
    this.partial.delete(itemId);
    const audio = this.frame.silence(this.frame.frameSamples);
    audio.set(held.audio);
    this.queue.push({ audio, responseId: held.responseId, itemId, samples: held.audio.length, queuedAt: this.now() });
    this.schedule();
  }

  /** The response is over (`response.done`): once its audio has played, `output_audio_buffer.stopped`. */
  responseDone(responseId: string): void {
    for (const [itemId, held] of this.partial) if (held.responseId === responseId) this.itemDone(itemId);
    // A response cut off gets no `stopped`, and nothing more of it can arrive now.
    if (this.muted.delete(responseId)) return;
    this.finished.add(responseId);
    this.settle();
    this.schedule();
  }

  /** Agent audio is queued, or sent and still playing at the caller. */
  active(): boolean {
    return this.queue.length > 0 || this.partial.size > 0 || this.pacer.playing(this.now());
  }

  /** Ms of this item sent on the wire so far. */
  sentMs(itemId: string): number {
    return Math.floor(((this.sentSamples.get(itemId) ?? 0) * 1000) / this.frame.sampleRate);
  }

  /**
   * Drops everything queued (barge-in, or the client's `output_audio_buffer.clear`) and says
   * `output_audio_buffer.cleared`. Returns what was cut — the playing item and any queued ones,
   * each with the ms of it sent — or null when nothing was queued or playing.
   */
  clear(): Cut | null {
    if (this.closed || !this.active()) return null;
    const playing = this.pacer.playing(this.now()) ? this.last : null;
    const responseId = playing?.responseId ?? this.queue[0]?.responseId ?? [...this.partial.values()][0]?.responseId ?? this.lastResponse ?? '';
    const items = new Map<string, string>();
    if (playing) items.set(playing.itemId, playing.responseId);
    for (const f of this.queue) items.set(f.itemId, f.responseId);
    for (const [itemId, held] of this.partial) items.set(itemId, held.responseId);
    for (const response of new Set(items.values())) {
      this.started.delete(response);
      // One the engine has not finished would go on sending deltas: they are dropped until its response.done.
      if (!this.finished.delete(response)) this.muted.add(response);
    }
    this.queue.length = 0;
    this.partial.clear();
    this.pacer.reset();
    this.last = null;
    this.hooks.emit(serverEvent('output_audio_buffer.cleared', { response_id: responseId }));
    this.settle();
    return { responseId, items: [...items.keys()].map((itemId) => ({ itemId, audioEndMs: this.sentMs(itemId) })) };
  }

  /** Resolves once everything queued has been sent and has played, or after `maxMs`. */
  drain(maxMs: number): Promise<void> {
    if (this.closed || this.paused || !this.active()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(done, maxMs);
      this.drainWaiters.push(done);
      this.schedule();
    });
  }

  /** Stops for good: the timer cleared, the queue dropped, drain waiters released. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.partial.clear();
    for (const w of this.drainWaiters.splice(0)) w();
  }

  /** One timer at a time, set for the next thing due: a frame, a `stopped`, or the end of playout. */
  private schedule(): void {
    if (this.closed || this.paused || this.timer) return;
    const now = this.now();
    let next = Infinity;
    if (this.queue.length > 0) next = this.pacer.nextDueAt(now);
    // A finished response with frames still queued is woken by them; one without, when its last frame has played.
    for (const id of this.finished) if (!this.queue.some((f) => f.responseId === id)) next = Math.min(next, this.started.get(id) ?? now);
    if (this.drainWaiters.length > 0) next = Math.min(next, this.pacer.playedOutAt());
    if (next === Infinity) return;
    // Due now: at once (no timer's millisecond of delay). Inside a tick, a timer, so nothing recurses.
    if (next <= now && !this.ticking) return this.tick();
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.tick();
      },
      Math.max(1, Math.ceil(next - now)),
    );
  }

  private tick(): void {
    if (this.closed) return;
    this.ticking = true;
    try {
      this.sendDue();
      this.settle();
      this.schedule();
    } finally {
      this.ticking = false;
    }
  }

  private sendDue(): void {
    const now = this.now();
    const due = this.headDueAt();
    const { frames, spurtStart } = this.pacer.take(now, this.queue.length);
    if (frames > 0) this.measure(now - due);
    const endOfBatch = this.pacer.playedOutAt();
    for (let i = 0; i < frames; i++) {
      const frame = this.queue.shift()!;
      if (!this.started.has(frame.responseId)) this.hooks.emit(serverEvent('output_audio_buffer.started', { response_id: frame.responseId }));
      this.started.set(frame.responseId, endOfBatch - (frames - 1 - i) * this.frameMs);
      this.sentSamples.set(frame.itemId, (this.sentSamples.get(frame.itemId) ?? 0) + frame.samples);
      this.last = frame;
      this.lastResponse = frame.responseId;
      this.hooks.send(frame, spurtStart && i === 0);
    }
  }

  /**
   * When the next frame was due to leave: its slot right after the audio sent before it (the
   * lead ahead of that audio's end), but never before it was queued or sending resumed.
   */
  private headDueAt(): number {
    const head = this.queue[0];
    return head ? Math.max(head.queuedAt, this.resumedAt, this.pacer.playedOutAt() - this.leadMs) : Infinity;
  }

  /** How late a batch left; later than the lead means after its play time: the caller heard a gap. */
  private measure(lateMs: number): void {
    const meter = this.hooks.meter;
    if (!meter) return;
    meter.lateness(lateMs);
    if (lateMs > this.leadMs) meter.late(1);
  }

  /** Finished responses whose audio has all played get `stopped`; drain waiters learn the buffer is empty. */
  private settle(): void {
    const now = this.now();
    for (const id of this.finished) {
      const endsAt = this.started.get(id);
      if (this.queue.some((f) => f.responseId === id) || (endsAt !== undefined && endsAt > now)) continue;
      this.finished.delete(id);
      if (endsAt !== undefined) {
        this.started.delete(id);
        this.hooks.emit(serverEvent('output_audio_buffer.stopped', { response_id: id }));
      }
    }
    if (!this.active()) for (const w of this.drainWaiters.splice(0)) w();
  }
}
