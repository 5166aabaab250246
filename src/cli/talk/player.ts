/** PCM16 mono at 24 kHz: the Realtime protocol's audio, 48 bytes per millisecond. */
export const TALK_RATE = 24000;
export const BYTES_PER_MS = (TALK_RATE * 2) / 1000;

/** Where the agent's audio goes: a speaker process, or nowhere (a scripted run). */
export interface AudioSink {
  /** Hands PCM16 24 kHz mono audio to the device. */
  write(pcm: Buffer): void;
  /** Drops whatever the device still holds, at once; the next write starts it again. */
  stop(): void;
}

/** What the listener heard of an assistant item when they barged in: `conversation.item.truncate`. */
export interface Truncation {
  itemId: string;
  audioEndMs: number;
}

export interface PlayerOptions {
  /** Default: none (the playhead is simulated, as in a scripted run). */
  sink?: AudioSink | null;
  /** Audio handed to the sink ahead of the playhead, ms: enough to ride out timer jitter, small so little is ever out of reach. */
  leadMs?: number;
  /** What the device itself buffers beyond what it was handed (its period), ms: heard that much later. */
  deviceLatencyMs?: number;
  now?: () => number;
  /** Run `tick` on a timer (default); tests drive it by hand. */
  autoTick?: boolean;
  /** Each chunk as it is handed over, at the clock time it will start playing (the time-aligned recording). */
  onScheduled?: (atMs: number, pcm: Buffer) => void;
  /** Audio scheduled from `atMs` on was dropped (a barge-in): it was never heard. */
  onCut?: (atMs: number) => void;
  /** Playback started (true) or finished (false). */
  onBusyChange?: (busy: boolean) => void;
}

interface Segment {
  startMs: number;
  durationMs: number;
}

interface ItemPlayback {
  segments: Segment[];
  /** Audio received but not yet handed over. */
  queuedBytes: number;
}

const TICK_MS = 10;

/**
 * Plays the agent's audio and knows how much of each item has actually been heard.
 *
 * Audio is held here and handed to the device only `leadMs` ahead of the playhead, so a
 * barge-in can drop nearly all of it: `interrupt()` empties the queue and stops the device.
 *
 * The played-time estimate: each chunk handed over is scheduled right after everything the
 * device still holds (or now, if it holds nothing), and the device is assumed to play at
 * exactly 24 kHz from then on, heard `deviceLatencyMs` later. So what an item has played by
 * `now` is the bytes handed over for it minus what is still scheduled after `now − latency`:
 * Σ clamp(now − latency − segment start, 0, segment duration). A device that starts late or
 * runs slow makes this an overestimate by that much; timer jitter beyond `leadMs` (an
 * underrun) is a gap the device really played as silence, so the estimate stays right.
 */
export class Player {
  private readonly queue: { itemId: string; pcm: Buffer }[] = [];
  private readonly items = new Map<string, ItemPlayback>();
  private readonly now: () => number;
  private readonly leadMs: number;
  private readonly latencyMs: number;
  /** Clock time at which everything handed over so far has been played. */
  private endMs = 0;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: PlayerOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.leadMs = opts.leadMs ?? 200;
    this.latencyMs = opts.deviceLatencyMs ?? 0;
  }

  /** True while audio is queued or still playing. */
  get playing(): boolean {
    return this.busy;
  }

  enqueue(itemId: string, pcm: Buffer): void {
    if (pcm.length === 0) return;
    const whole = pcm.length - (pcm.length % 2);
    this.queue.push({ itemId, pcm: pcm.subarray(0, whole) });
    this.item(itemId).queuedBytes += whole;
    this.tick();
    if (this.opts.autoTick !== false && !this.timer) this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Hands queued audio to the sink up to `leadMs` ahead; notes when playback starts and ends. */
  tick(): void {
    const now = this.now();
    while (this.queue.length > 0 && Math.max(this.endMs, now) - now < this.leadMs) {
      const { itemId, pcm } = this.queue.shift()!;
      const durationMs = pcm.length / BYTES_PER_MS;
      const startMs = Math.max(this.endMs, now);
      this.endMs = startMs + durationMs;
      const item = this.item(itemId);
      item.queuedBytes -= pcm.length;
      item.segments.push({ startMs, durationMs });
      this.opts.sink?.write(pcm);
      this.opts.onScheduled?.(startMs, pcm);
    }
    this.setBusy(this.queue.length > 0 || this.endMs + this.latencyMs > now);
  }

  /** How much of `itemId` has been heard by now, ms (see the class comment for the estimate). */
  playedMs(itemId: string, now = this.now()): number {
    const item = this.items.get(itemId);
    if (!item) return 0;
    const heardUpTo = now - this.latencyMs;
    let played = 0;
    for (const s of item.segments) played += Math.min(Math.max(heardUpTo - s.startMs, 0), s.durationMs);
    return played;
  }

  /**
   * Barge-in: stops at once and drops everything not yet heard. Returns, for each item that
   * had audio left, how much of it was heard (what `conversation.item.truncate` needs).
   */
  interrupt(): Truncation[] {
    const now = this.now();
    const cut: Truncation[] = [];
    for (const [itemId, item] of this.items) {
      const handed = item.segments.reduce((n, s) => n + s.durationMs, 0);
      const played = this.playedMs(itemId, now);
      // Half a millisecond of slack: durations are fractional (4760 bytes = 99.17 ms).
      if (item.queuedBytes > 0 || handed - played > 0.5) cut.push({ itemId, audioEndMs: Math.floor(played) });
    }
    this.queue.length = 0;
    this.items.clear();
    if (this.endMs + this.latencyMs > now) {
      this.opts.sink?.stop();
      this.opts.onCut?.(now - this.latencyMs);
    }
    this.endMs = now;
    this.setBusy(false);
    return cut;
  }

  /** Stops the timer; what is still queued is dropped. */
  close(): void {
    this.queue.length = 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private item(itemId: string): ItemPlayback {
    let item = this.items.get(itemId);
    if (!item) this.items.set(itemId, (item = { segments: [], queuedBytes: 0 }));
    return item;
  }

  private setBusy(busy: boolean): void {
    if (!busy && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (busy === this.busy) return;
    this.busy = busy;
    // Finished items are of no more use to a truncation: only the current playback is kept.
    if (!busy) this.items.clear();
    this.opts.onBusyChange?.(busy);
  }
}
