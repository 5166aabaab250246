import { execFile, type ChildProcess } from 'node:child_process';
import { CachedSegment, SpeechCache } from './speech-cache.js';
import type { SpeechChunk, SpeechSynthesizer, SynthesisOptions } from '../providers.js';
import { ESPEAK_INSTALL_COMMAND, TtsError } from './errors.js';
import { EspeakProcess } from './espeak-process.js';
import { DEFAULT_MAX_SEGMENT_CHARS, splitText } from './segments.js';
import { TextTimeline } from './timeline.js';
import { ESPEAK_DEFAULT_WPM, resolveVoice, wordsPerMinute } from './voices.js';

/** espeak-ng's output rate (its own voices; the engine resamples). */
export const ESPEAK_SAMPLE_RATE = 22050;
export const DEFAULT_CHUNK_MS = 100;

export interface EspeakSynthesizerOptions {
  /** The espeak-ng executable: a name looked up in PATH or a path. Default `espeak-ng`. */
  binary?: string;
  /** Directory holding `espeak-ng-data` (`--path`); espeak-ng's built-in default when unset. */
  dataPath?: string;
  /** Chunk length. Default 100 ms (2205 samples at 22050 Hz). */
  chunkMs?: number;
  /** Longer sentences are cut at clauses, then words, into runs of at most this many characters. Default 200. */
  maxSegmentChars?: number;
  /** Called with each espeak-ng child process as it starts (diagnostics and tests). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Speech from espeak-ng, one child process per sentence (or clause of a long sentence), each
 * writing a WAV stream to stdout that is read and cut into chunks while it runs. The next
 * sentence's process starts once the current one's first chunk is out, so it is ready when
 * the current one ends; at most two run per stream, and a paused pipe holds back a reader
 * that falls behind.
 *
 * Chunks are `chunkMs` long (2205 samples at 22050 Hz), across sentence boundaries; only the
 * last is shorter. Each carries the words starting in it (see TextTimeline for the estimate);
 * their `text` concatenates to the input exactly.
 *
 * Aborting `signal` (or `close()`) kills the processes at once and ends the iteration quietly:
 * a pending `next()` resolves `done`. Failures reject `next()` with a TtsError:
 * `tts_unavailable` when espeak-ng cannot be run (with the install command), `tts_failed`
 * when it fails.
 *
 * Text is one argv entry after `--` (no shell); markup is not enabled (no `-m`) and espeak-ng's
 * `[[phoneme]]` brackets are broken up, so everything is read as plain text.
 */
export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = 'espeak-ng';
  readonly sampleRate = ESPEAK_SAMPLE_RATE;

  readonly #binary: string;
  readonly #dataPath: string | undefined;
  readonly #chunkMs: number;
  readonly #maxSegmentChars: number;
  readonly #onSpawn: ((child: ChildProcess) => void) | undefined;
  readonly #streams = new Set<AbortController>();
  readonly #processes = new Set<EspeakProcess>();
  readonly #cache = new SpeechCache();
  #closed = false;

  constructor(options: EspeakSynthesizerOptions = {}) {
    this.#binary = options.binary ?? 'espeak-ng';
    this.#dataPath = options.dataPath;
    this.#chunkMs = options.chunkMs ?? DEFAULT_CHUNK_MS;
    this.#maxSegmentChars = options.maxSegmentChars ?? DEFAULT_MAX_SEGMENT_CHARS;
    this.#onSpawn = options.onSpawn;
    if (!(this.#chunkMs > 0)) throw new RangeError(`chunkMs must be positive, got ${this.#chunkMs}`);
    if (!(this.#maxSegmentChars >= 1)) throw new RangeError(`maxSegmentChars must be at least 1, got ${this.#maxSegmentChars}`);
  }

  /** espeak-ng processes still running (all streams). */
  get runningProcesses(): number {
    let n = 0;
    for (const proc of this.#processes) if (proc.running) n++;
    return n;
  }

  /**
   * Runs `espeak-ng --version` and resolves with its first line, so a server can refuse to
   * start without it. Rejects with TtsError `tts_unavailable` (and the install command).
   */
  check(): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.#binary, ['--version'], { timeout: 5000 }, (error, stdout) => {
        if (error === null) {
          resolve(String(stdout).trim().split('\n')[0] ?? '');
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        const why = typeof code === 'string' ? code : String(error);
        reject(
          new TtsError('tts_unavailable', `espeak-ng is not available (cannot run "${this.#binary}": ${why}). Install it with: ${ESPEAK_INSTALL_COMMAND}`, {
            cause: error,
          }),
        );
      });
    });
  }

  synthesize(text: string, opts: SynthesisOptions): AsyncIterable<SpeechChunk> {
    return this.#stream(text, opts);
  }

  /** Kills every running process; later `synthesize` calls fail with `tts_closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stream of this.#streams) stream.abort();
    const procs = [...this.#processes];
    for (const proc of procs) proc.kill();
    await Promise.all(procs.map((p) => p.exited));
  }

  async *#stream(text: string, opts: SynthesisOptions): AsyncGenerator<SpeechChunk, void, undefined> {
    if (this.#closed) throw new TtsError('tts_closed', 'the espeak-ng synthesizer is closed');
    if (opts.signal.aborted) return;
    const segments = splitText(text, this.#maxSegmentChars);
    if (segments.length === 0) return;
    const { voice, pitch } = resolveVoice(opts.voice);
    const wpm = wordsPerMinute(opts.speed);

    // Stops this stream: the caller's signal or close().
    const stop = new AbortController();
    const forward = (): void => stop.abort();
    opts.signal.addEventListener('abort', forward, { once: true });
    this.#streams.add(stop);
    const processes: (EspeakProcess | CachedSegment | undefined)[] = [];
    const keyOf = (index: number): string => `${voice}|${pitch}|${wpm}|${segments[index]!.spoken}`;
    stop.signal.addEventListener('abort', () => processes.forEach((p) => p?.kill()), { once: true });

    const launch = (index: number): EspeakProcess | CachedSegment | undefined => {
      const segment = segments[index];
      if (segment === undefined || segment.spoken === '' || stop.signal.aborted) return undefined;
      let proc = processes[index];
      const cached = proc === undefined ? this.#cache.get(keyOf(index)) : undefined;
      if (cached) {
        proc = new CachedSegment(cached);
        processes[index] = proc;
      }
      if (proc === undefined) {
        const args = ['--stdout', '-b', '1', '-v', voice, '-p', String(pitch), '-s', String(wpm)];
        if (this.#dataPath !== undefined) args.push(`--path=${this.#dataPath}`);
        args.push('--', segment.spoken);
        const key = keyOf(index);
        // Cached as soon as espeak-ng is done, not when this stream has played it: calls that
        // start together say the same greeting, and each spawn blocks the event loop.
        proc = new EspeakProcess(this.#binary, args, { onSpawn: this.#onSpawn, onComplete: (speech) => this.#cache.set(key, speech) });
        processes[index] = proc;
        this.#processes.add(proc);
        const started = proc;
        void started.exited.then(() => this.#processes.delete(started));
      }
      return proc;
    };

    try {
      const timeline = new TextTimeline(
        segments,
        segments.map((s) => estimateSamples(s.spoken, wpm)),
      );
      let rate: number | undefined;
      let chunkSize = Math.round((ESPEAK_SAMPLE_RATE * this.#chunkMs) / 1000);
      const pending = new SampleQueue();
      let emitted = 0; // samples handed out so far

      for (let index = 0; index < segments.length; index++) {
        timeline.begin(index, emitted + pending.length);
        const proc = launch(index);
        if (stop.signal.aborted) return;
        if (proc === undefined) {
          timeline.finish(index); // nothing to say: its words go out with the next chunk
          continue;
        }
        let prefetched = false;
        for (;;) {
          const block = await proc.read();
          if (stop.signal.aborted) return;
          if (block === null) break;
          if (proc.channels !== 1) {
            throw new TtsError('tts_failed', `espeak-ng produced ${proc.channels} channels, expected mono`);
          }
          if (rate === undefined) {
            rate = proc.sampleRate!;
            chunkSize = Math.max(1, Math.round((rate * this.#chunkMs) / 1000));
          } else if (proc.sampleRate !== rate) {
            throw new TtsError('tts_failed', `espeak-ng switched from ${rate} Hz to ${proc.sampleRate} Hz mid-stream`);
          }
          timeline.received(index, block);
          pending.push(block);
          while (pending.length >= chunkSize) {
            if (proc.finished) timeline.finish(index);
            emitted += chunkSize;
            yield { samples: pending.take(chunkSize), sampleRate: rate, text: timeline.release(emitted) };
            if (stop.signal.aborted) return;
            if (!prefetched) {
              // Start the next segment once this one is under way, but after its first chunk
              // is out: spawning blocks the event loop for a few ms.
              prefetched = true;
              launch(index + 1);
            }
          }
        }
        timeline.finish(index);
      }

      const samples = pending.take(pending.length);
      const text = timeline.releaseAll();
      if (samples.length > 0 || text !== '') yield { samples, sampleRate: rate ?? ESPEAK_SAMPLE_RATE, text };
    } finally {
      opts.signal.removeEventListener('abort', forward);
      stop.abort(); // kills a prefetched process left over by an early exit
      this.#streams.delete(stop);
    }
  }
}

/**
 * Rough length of espeak-ng's speech for `text` (without lead-in and final pause) before it is
 * known: ~1200 samples per character at 22050 Hz and 175 wpm, scaled by the rate. Only places
 * words until the segment's process has finished.
 */
export function estimateSamples(text: string, wpm: number): number {
  return Math.round((1200 * text.length * ESPEAK_DEFAULT_WPM) / wpm);
}

/** FIFO of sample blocks, taken out in arbitrary lengths. */
class SampleQueue {
  #blocks: Int16Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(block: Int16Array): void {
    if (block.length === 0) return;
    this.#blocks.push(block);
    this.#length += block.length;
  }

  /** Removes and returns the first `n` samples (n ≤ length) as a new array. */
  take(n: number): Int16Array {
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n) {
      const block = this.#blocks[0]!;
      const used = Math.min(block.length, n - filled);
      out.set(block.subarray(0, used), filled);
      filled += used;
      if (used === block.length) this.#blocks.shift();
      else this.#blocks[0] = block.subarray(used);
    }
    this.#length -= n;
    return out;
  }
}
