import { spawn, type ChildProcess } from 'node:child_process';
import { concatPcm16 } from '../../../audio/pcm16.js';
import { ESPEAK_INSTALL_COMMAND, TtsError } from './errors.js';
import type { CachedSpeech } from './speech-cache.js';
import { WavStreamParser } from './wav-stream.js';

// Samples buffered ahead of the reader before the pipe is paused (espeak-ng then blocks on its
// write, so a long text never piles up in memory): 2 s at 22050 Hz.
const HIGH_WATER_SAMPLES = 44100;
const STDERR_LIMIT = 2048;
// The longest output kept whole for `onComplete` (a segment is at most a few hundred characters: ~30 s).
const KEEP_MAX_SAMPLES = 60 * 22050;

export interface EspeakProcessHooks {
  /** Called with each espeak-ng child process as it starts. */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * Called with the whole output when the process has ended normally, as soon as it has (not
   * when the reader gets to the end, which may be seconds later at real-time pace).
   */
  onComplete?: (speech: CachedSpeech) => void;
}

/**
 * One espeak-ng run writing a WAV stream to stdout, read as sample blocks while it runs.
 * Never throws from events: failures (missing binary, crash, bad output) are handed to the
 * reader as a TtsError from `read()`. `kill()` ends it at once (SIGKILL; espeak-ng holds no
 * state worth a graceful exit); Node reaps the child, and `exited` settles when it is gone.
 */
export class EspeakProcess {
  readonly child: ChildProcess | undefined;
  /** Settles (never rejects) once the process has exited (Node has reaped it), or failed to start. */
  readonly exited: Promise<void>;

  #binary: string;
  #parser = new WavStreamParser();
  #queue: Int16Array[] = [];
  #queued = 0;
  #paused = false;
  #received = 0;
  #state: 'running' | 'done' | 'failed' | 'killed' = 'running';
  #error: TtsError | undefined;
  #waiter: { resolve: (block: Int16Array | null) => void; reject: (error: Error) => void } | undefined;
  #stderr = '';
  #markExited!: () => void;
  /** Every block received, for `onComplete`; null when there is none or the output grew too long. */
  #kept: Int16Array[] | null;

  constructor(binary: string, args: readonly string[], hooks: EspeakProcessHooks = {}) {
    const { onSpawn, onComplete } = hooks;
    this.#kept = onComplete ? [] : null;
    this.#binary = binary;
    this.exited = new Promise<void>((resolve) => (this.#markExited = resolve));
    let child: ChildProcess;
    try {
      // No shell: the text is one argv entry after `--`.
      child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    } catch (error) {
      this.child = undefined;
      this.#fail(this.#spawnError(error));
      this.#markExited();
      return;
    }
    this.child = child;
    child.on('error', (error) => {
      this.#fail(this.#spawnError(error));
      // A process that never started emits no 'close'.
      if (child.pid === undefined) this.#markExited();
    });
    child.on('exit', () => this.#markExited());
    // 'close' comes after 'exit' once stdout is drained, so all the output has been read.
    child.on('close', (code, signal) => {
      this.#markExited();
      if (this.#state !== 'running') return;
      if (code === 0) {
        if (this.#parser.format === undefined) {
          this.#fail(new TtsError('tts_failed', `espeak-ng produced no audio${this.#stderrSuffix()}`));
        } else {
          this.#state = 'done';
          this.#wake();
          const { sampleRate, channels } = this.#parser.format;
          if (this.#kept && channels === 1) onComplete?.({ samples: concatPcm16(this.#kept), sampleRate });
          this.#kept = null;
        }
        return;
      }
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      this.#fail(new TtsError('tts_failed', `espeak-ng ${how}${this.#stderrSuffix()}`));
    });
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    stdout.on('error', () => {}); // reported through 'close'
    stderr.on('error', () => {});
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => {
      if (this.#stderr.length < STDERR_LIMIT) this.#stderr += text.slice(0, STDERR_LIMIT - this.#stderr.length);
    });
    stdout.on('data', (bytes: Buffer) => {
      if (this.#state !== 'running') return;
      let samples: Int16Array;
      try {
        samples = this.#parser.push(bytes);
      } catch (error) {
        this.#fail(error instanceof TtsError ? error : new TtsError('tts_failed', String(error)));
        child.kill('SIGKILL');
        return;
      }
      if (samples.length === 0) return;
      this.#received += samples.length;
      if (this.#kept) {
        if (this.#received > KEEP_MAX_SAMPLES) this.#kept = null;
        else this.#kept.push(samples);
      }
      if (this.#waiter !== undefined) {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter.resolve(samples);
        return;
      }
      this.#queue.push(samples);
      this.#queued += samples.length;
      if (this.#queued > HIGH_WATER_SAMPLES && !this.#paused) {
        this.#paused = true;
        stdout.pause();
      }
    });
    onSpawn?.(child);
  }

  /** The stream's sample rate, once the header has arrived. */
  get sampleRate(): number | undefined {
    return this.#parser.format?.sampleRate;
  }

  get channels(): number | undefined {
    return this.#parser.format?.channels;
  }

  /** The process is still alive (not yet exited, or started and not yet failed). */
  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Samples received so far; the final total once `finished`. */
  get received(): number {
    return this.#received;
  }

  /** The process ended normally, so `received` is the whole output (some may still be queued). */
  get finished(): boolean {
    return this.#state === 'done';
  }

  /**
   * The next block of samples, as soon as it arrives; null at the end of the output or after
   * `kill()` (pending reads resolve null at once). Rejects with a TtsError if the run failed.
   */
  read(): Promise<Int16Array | null> {
    const block = this.#queue.shift();
    if (block !== undefined) {
      this.#queued -= block.length;
      if (this.#paused && this.#queued <= HIGH_WATER_SAMPLES / 2) {
        this.#paused = false;
        this.child?.stdout?.resume();
      }
      return Promise.resolve(block);
    }
    switch (this.#state) {
      case 'failed':
        return Promise.reject(this.#error!);
      case 'done':
      case 'killed':
        return Promise.resolve(null);
      case 'running':
        if (this.#waiter !== undefined) return Promise.reject(new Error('EspeakProcess.read() is already pending'));
        return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
    }
  }

  /** Stops the process now (if still running) and drops what it produced. */
  kill(): void {
    this.#kept = null;
    this.#queue = [];
    this.#queued = 0;
    if (this.#state === 'running') this.#state = 'killed';
    this.#wake();
    if (this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  #fail(error: TtsError): void {
    if (this.#state !== 'running') return;
    this.#state = 'failed';
    this.#error = error;
    this.#kept = null;
    this.#queue = [];
    this.#queued = 0;
    this.#wake();
  }

  /** Settles a pending read from the current state. */
  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#state === 'failed') waiter.reject(this.#error!);
    else waiter.resolve(null);
  }

  #spawnError(error: unknown): TtsError {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
      return new TtsError(
        'tts_unavailable',
        `espeak-ng is not available (cannot run "${this.#binary}": ${code}). Install it with: ${ESPEAK_INSTALL_COMMAND}`,
        { cause: error },
      );
    }
    return new TtsError('tts_failed', `could not start espeak-ng ("${this.#binary}"): ${String(error)}`, { cause: error });
  }

  #stderrSuffix(): string {
    const text = this.#stderr.trim();
    return text === '' ? '' : `: ${text}`;
  }
}
