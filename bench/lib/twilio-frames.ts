/**
 * What bench/twilio-bridge.bench.ts and its child processes share: the frame tag carried in the
 * audio itself (so frames are matched across processes by content, with no hook in Parley), the
 * per-frame timestamp stores, the cross-process clock, the measurement window, and the IPC
 * messages.
 *
 * A tagged frame is 160 µ-law bytes: 2 magic bytes, a 3-digit stream id (the driver's call index
 * inbound, the bench engine's tag outbound), a 4-digit frame counter, then a tone. Digits are
 * bytes 0x20 + d (d < 64). 9 header bytes are exactly 12 base64 characters, so the header can be
 * read from the first 12 characters of a payload, and a payload built as header + tone base64.
 */
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { pcm16ToUlaw, ulawToPcm16 } from '../../src/audio/index.js';
import { quantile, sortedCopy } from '../../src/cli/load/percentiles.js';

export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
const MAGIC = [0x3a, 0x5c] as const;
const DIGIT0 = 0x20;
const HEADER_BYTES = 9;
const HEADER_B64 = 12;

/** Wall-clock ms comparable across processes on one machine. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** A 400 Hz tone at about −20 dBFS, the body of every tagged frame. */
const TONE: Uint8Array = (() => {
  const pcm = new Int16Array(FRAME_BYTES - HEADER_BYTES);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(3300 * Math.sin((2 * Math.PI * 400 * i) / 8000));
  return pcm16ToUlaw(pcm);
})();
const TONE_B64 = Buffer.from(TONE).toString('base64');

function headerBytes(stream: number, counter: number): Uint8Array {
  if (stream >= 64 ** 3 || counter >= 64 ** 4) throw new Error(`frame tag out of range: stream ${stream}, counter ${counter}`);
  return Uint8Array.of(MAGIC[0], MAGIC[1], DIGIT0 + ((stream >> 12) & 63), DIGIT0 + ((stream >> 6) & 63), DIGIT0 + (stream & 63), DIGIT0 + ((counter >> 18) & 63), DIGIT0 + ((counter >> 12) & 63), DIGIT0 + ((counter >> 6) & 63), DIGIT0 + (counter & 63));
}

// The simulated caller speaks PCM that the simulator encodes to µ-law: the header must survive
// µ-law → PCM → µ-law unchanged (every code but 0x7F does; the digits and magic avoid it).
for (const b of [...MAGIC, ...Array.from({ length: 64 }, (_, d) => DIGIT0 + d)]) {
  if (pcm16ToUlaw(ulawToPcm16(Uint8Array.of(b)))[0] !== b) throw new Error(`µ-law code 0x${b.toString(16)} does not survive a PCM round trip`);
}

/** One tagged frame as base64, as the engine emits it (`response.output_audio.delta`). */
export function taggedPayload(stream: number, counter: number): string {
  return Buffer.from(headerBytes(stream, counter)).toString('base64') + TONE_B64;
}

/** The PCM of `frames` tagged frames from `firstCounter` on, for the simulator's `play()` (8 kHz). */
export function taggedPcm(stream: number, firstCounter: number, frames: number): Int16Array {
  const ulaw = new Uint8Array(frames * FRAME_BYTES);
  for (let f = 0; f < frames; f++) {
    ulaw.set(headerBytes(stream, firstCounter + f), f * FRAME_BYTES);
    ulaw.set(TONE, f * FRAME_BYTES + HEADER_BYTES);
  }
  return ulawToPcm16(ulaw);
}

/**
 * The tag of a base64 payload starting at `from` in `text`: [stream, counter], or null for an
 * untagged frame (silence, Parley's gap fill).
 */
export function readTag(text: string, from = 0): [number, number] | null {
  if (text.length < from + HEADER_B64) return null;
  const h = Buffer.from(text.slice(from, from + HEADER_B64), 'base64');
  if (h.length < HEADER_BYTES || h[0] !== MAGIC[0] || h[1] !== MAGIC[1]) return null;
  const d = (i: number): number => h[i]! - DIGIT0;
  return [(d(2) << 12) | (d(3) << 6) | d(4), (d(5) << 18) | (d(6) << 12) | (d(7) << 6) | d(8)];
}

/** Timestamps by frame counter (NaN: none), growing as needed. */
export class FrameTimes {
  private times = new Float64Array(1024).fill(NaN);
  private top = -1;
  /** Counters that came a second time, and those that came after a later one. */
  dup = 0;
  reordered = 0;
  private last = -1;

  record(counter: number, t: number): void {
    if (counter >= this.times.length) {
      const grown = new Float64Array(Math.max(counter + 1, this.times.length * 2)).fill(NaN);
      grown.set(this.times);
      this.times = grown;
    }
    if (!Number.isNaN(this.times[counter]!)) this.dup++;
    else this.times[counter] = t;
    if (counter < this.last) this.reordered++;
    this.last = Math.max(this.last, counter);
    this.top = Math.max(this.top, counter);
  }

  /** A copy up to the highest counter seen (what goes over IPC). */
  snapshot(): FrameRecord {
    return { times: this.times.slice(0, this.top + 1), dup: this.dup, reordered: this.reordered };
  }
}

export interface FrameRecord {
  /** Index: frame counter; value: epoch ms, NaN when absent. */
  times: Float64Array;
  dup: number;
  reordered: number;
}

export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles by linear interpolation between order statistics; ms rounded to µs. */
export function percentiles(xs: Float64Array | readonly number[]): Percentiles | null {
  if (xs.length === 0) return null;
  const s = sortedCopy(xs);
  const q = (p: number): number => quantile(s, p);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), max: r(s[s.length - 1]!), mean: r(sum / s.length) };
}

/** A process's own load over the measurement window. */
export interface WindowStats {
  /** CPU time over wall time, % of one core. */
  cpuPct: number;
  /** Event-loop delay: how late a 10 ms timer fired, ms. */
  eventLoopDelay: { p50: number; p99: number; max: number; mean: number };
  /** Garbage-collection pauses in the window (all kinds). */
  gc: { count: number; totalMs: number; maxMs: number };
  /** Resident memory at the window's start and end (growth over the window hints at a leak). */
  rssStartMb: number;
  rssMb: number;
}

const ELD_RESOLUTION_MS = 10;

/**
 * Event-loop delay is monitored from the start (so the histogram is warm) and reset when the
 * window opens; CPU is read at its two ends.
 */
export class LoadMonitor {
  private readonly eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  private gcPauses: number[] = [];

  constructor() {
    this.eld.enable();
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcPauses.push(e.duration);
    }).observe({ entryTypes: ['gc'] });
  }

  /** Resolves with the stats at `endEpoch` (both ends on the shared clock). */
  window(startEpoch: number, endEpoch: number): Promise<WindowStats> {
    return new Promise((resolve) => {
      setTimeout(
        () => {
          this.eld.reset();
          this.gcPauses = [];
          const rssStartMb = Math.round(process.memoryUsage().rss / 1e6);
          const cpu0 = process.cpuUsage();
          const t0 = epochNow();
          setTimeout(
            () => {
              const cpu = process.cpuUsage(cpu0);
              const wallMs = epochNow() - t0;
              // The histogram holds whole timer intervals (resolution + delay): the delay is the excess.
              const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - ELD_RESOLUTION_MS) * 100) / 100);
              resolve({
                cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
                eventLoopDelay: { p50: ms(this.eld.percentile(50)), p99: ms(this.eld.percentile(99)), max: ms(this.eld.max), mean: ms(this.eld.mean) },
                gc: { count: this.gcPauses.length, totalMs: Math.round(this.gcPauses.reduce((a, b) => a + b, 0)), maxMs: Math.round(Math.max(0, ...this.gcPauses) * 10) / 10 },
                rssStartMb,
                rssMb: Math.round(process.memoryUsage().rss / 1e6),
              });
            },
            Math.max(0, endEpoch - epochNow()),
          );
        },
        Math.max(0, startEpoch - epochNow()),
      );
    });
  }
}

// ---- IPC (child_process.fork with serialization: 'advanced', so typed arrays and Maps pass) ----

export type ParentMessage =
  | { type: 'ping'; t0: number }
  | { type: 'window'; start: number; end: number }
  | { type: 'collect' }
  | { type: 'stop' }
  | { type: 'start-calls'; baseUrl: string; authToken: string; first: number; count: number };

export type ServerTarget = 'parley' | 'relay';

export interface ServerFrames {
  /** Inbound: engine arrival time per caller frame, by the driver's call index. */
  inArrive: Map<number, FrameRecord>;
  /** Outbound: engine emit time per frame, by engine tag. */
  outEmit: Map<number, FrameRecord>;
  /** Frames the engine skipped because its timer ran a whole frame late (never sent). */
  outSkipped: number;
  /** Appends without a tag after a call's first tagged one (silence put in for a gap). */
  untaggedAfterStart: number;
  engines: number;
}

export interface DriverFrames {
  /** Inbound: send time per caller frame, by call index. */
  inSent: Map<number, FrameRecord>;
  /** Outbound: receive time per agent frame, by engine tag. */
  outRecv: Map<number, FrameRecord>;
  /** Caller frames the simulator dropped because its loop stalled for more than 5 frames. */
  framesLost: number;
  /** Protocol errors the simulator saw (first few). */
  errors: string[];
  errorCount: number;
}

export type ChildMessage =
  | { type: 'ready'; baseUrl: string; authToken: string }
  | { type: 'loaded' }
  | { type: 'pong'; t0: number; t: number }
  | { type: 'connected'; calls: number; failed: number; firstError: string | null; setupMs: number }
  | { type: 'window-stats'; stats: WindowStats; framesLostInWindow?: number }
  | { type: 'server-frames'; frames: ServerFrames }
  | { type: 'driver-frames'; frames: DriverFrames }
  | { type: 'failed'; error: string };

/** Sends an IPC message from a child; a child without a parent is a usage error. */
export function toParent(m: ChildMessage): void {
  if (!process.send) throw new Error('run by bench/twilio-bridge.bench.ts (forked with IPC), not directly');
  process.send(m);
}
