import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { pcm16ToBytes } from '../../../audio/pcm16.js';
import type { RecognitionStream, Transcript } from '../providers.js';
import { SttError, unavailable } from './errors.js';
import type { PreparedGrammar } from './grammar.js';
import { encodeFrame, FrameType, type PongMessage, type ReadyMessage, type WorkerMessage } from './protocol.js';

const STDERR_TAIL = 2000;
/** A busy worker's utterance waits at most this many end timeouts before it alone fails. */
const BUSY_WAIT_FACTOR = 6;

export interface WorkerSpec {
  python: string;
  script: string;
  /** JSON handed to the worker as argv[1]. */
  config: Record<string, unknown>;
  partialIntervalMs: number;
  endTimeoutMs: number;
  /** Add pocketsphinx-style ½-LSB dither to the audio (see Dither). */
  dither: boolean;
}

export interface WorkerExit {
  /** The error pending utterances got; undefined when the worker was closed on purpose. */
  error: SttError | undefined;
  /** True when restarting cannot help (packages missing). */
  permanent: boolean;
}

/**
 * One long-lived pocketsphinx worker process and the utterances it is decoding. Never throws
 * from process events: a crash rejects the utterances inside it with `stt_worker_crashed` and
 * is reported to `onExit`, which decides about a replacement.
 */
export class SphinxWorker {
  readonly ready: Promise<ReadyMessage>;
  readonly exited: Promise<void>;

  #spec: WorkerSpec;
  #child: ChildProcess | undefined;
  #streams = new Map<number, WorkerStream>();
  #pings = new Map<number, (pong: PongMessage) => void>();
  #grammars = new Set<string>();
  #grammarErrors = new Map<string, string>();
  #nextId = 1;
  /** When the worker last said anything: a worker that answers is alive, however far behind. */
  #lastOutputAt = performance.now();
  #stdout = '';
  #stderr = '';
  #fatal: SttError | undefined;
  #goneError: SttError | undefined;
  #stopReason: string | undefined;
  #closing = false;
  #alive = true;
  #readyInfo: ReadyMessage | undefined;
  #settleReady!: { resolve: (m: ReadyMessage) => void; reject: (e: SttError) => void };
  #markExited!: () => void;
  #onExit: (worker: SphinxWorker, exit: WorkerExit) => void;

  constructor(spec: WorkerSpec, onExit: (worker: SphinxWorker, exit: WorkerExit) => void) {
    this.#spec = spec;
    this.#onExit = onExit;
    this.ready = new Promise<ReadyMessage>((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // observed through streams and the recognizer
    this.exited = new Promise<void>((resolve) => (this.#markExited = resolve));
    let child: ChildProcess;
    try {
      child = spawn(spec.python, [spec.script, JSON.stringify(spec.config)], {
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
    } catch (error) {
      this.#onGone(this.#spawnError(error), true);
      return;
    }
    this.#child = child;
    child.on('error', (error) => {
      // Spawn failures (ENOENT…) come here and no 'close' follows when there never was a process.
      if (child.pid === undefined) this.#onGone(this.#spawnError(error), true);
    });
    child.on('close', (code, signal) => this.#onClose(code, signal));
    child.stdin!.on('error', () => {}); // EPIPE after a crash: reported through 'close'
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => this.#onStdout(text));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
    });
    this.#updateRef();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Utterances started and not yet finished. */
  get load(): number {
    return this.#streams.size;
  }

  get info(): ReadyMessage | undefined {
    return this.#readyInfo;
  }

  /** Starts an utterance against `grammar` (sent to the worker first if it has not seen it). */
  open(grammar: PreparedGrammar, onPartial: ((text: string) => void) | undefined): RecognitionStream {
    if (!this.#alive) return new FailedStream(this.#notRunning());
    if (!this.#grammars.has(grammar.key)) {
      this.#grammars.add(grammar.key);
      this.#send(
        encodeFrame(FrameType.GRAMMAR, 0, JSON.stringify({ key: grammar.key, jsgf: grammar.jsgf, words: grammar.entries })),
      );
    }
    const id = this.#takeId();
    const stream = new WorkerStream(this, id, grammar, onPartial, this.#spec.dither ? new Dither() : undefined);
    this.#streams.set(id, stream);
    this.#send(encodeFrame(FrameType.START, id, JSON.stringify({ grammar: grammar.key, partialMs: this.#spec.partialIntervalMs })));
    this.#updateRef();
    return stream;
  }

  /** Memory and decoder counts, for diagnostics. */
  ping(): Promise<PongMessage> {
    if (!this.#alive) return Promise.reject(this.#notRunning());
    const id = this.#takeId();
    return new Promise<PongMessage>((resolve) => {
      this.#pings.set(id, resolve);
      this.#updateRef();
      this.#send(encodeFrame(FrameType.PING, id));
    });
  }

  /** Ends the worker: stdin closes and it exits; killed if it has not after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    if (this.#alive) {
      this.#closing = true;
      this.#failAll(new SttError('stt_closed', 'the speech recognizer was closed')); // also holds the loop until the exit
      this.#child?.stdin?.end();
      const timer = setTimeout(() => this.#child?.kill('SIGKILL'), graceMs);
      timer.unref();
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  /** Kills the worker; the utterances in it fail with `reason` in their message. */
  stop(reason: string): void {
    if (!this.#alive) return;
    this.#stopReason = reason;
    this.#updateRef(); // held until the exit is seen
    this.#child?.kill('SIGKILL');
  }

  // ---- used by WorkerStream ----

  /** @internal */
  sendAudio(id: number, samples: Int16Array): void {
    if (samples.length === 0) return;
    const bytes = pcm16ToBytes(samples);
    this.#send(encodeFrame(FrameType.AUDIO, id, bytes));
  }

  /** @internal */
  sendEnd(stream: WorkerStream): void {
    this.#send(encodeFrame(FrameType.END, stream.id));
    const ms = this.#spec.endTimeoutMs;
    const endedAt = performance.now();
    // A worker that keeps answering (other utterances' partials and finals) is busy working
    // through a backlog, not hung: the utterance waits, up to BUSY_WAIT_FACTOR times as long,
    // and then only it fails. A worker silent for the whole time is hung and is restarted.
    const check = (): void => {
      if (!this.#streams.has(stream.id)) return;
      const now = performance.now();
      const answering = now - this.#lastOutputAt < ms;
      if (answering && now - endedAt < ms * BUSY_WAIT_FACTOR) {
        stream.timer = setTimeout(check, ms / 2);
        stream.timer.unref();
        return;
      }
      this.#streams.delete(stream.id);
      if (answering) {
        stream.fail(new SttError('stt_timeout', `speech recognition gave no result within ${Math.round((now - endedAt) / 1000)} s: the recognizer is overloaded`));
        this.#send(encodeFrame(FrameType.CANCEL, stream.id));
        this.#updateRef();
        return;
      }
      stream.fail(new SttError('stt_timeout', `speech recognition gave no result within ${ms} ms; the worker is being restarted`));
      this.stop(`another utterance got no result within ${ms} ms`);
    };
    stream.timer = setTimeout(check, ms);
    stream.timer.unref();
  }

  /** @internal */
  sendCancel(stream: WorkerStream): void {
    if (this.#streams.delete(stream.id)) this.#send(encodeFrame(FrameType.CANCEL, stream.id));
    this.#updateRef();
  }

  // ---- process plumbing ----

  /** Stream and ping ids: u32, never 0 (the id of grammar frames). */
  #takeId(): number {
    const id = this.#nextId;
    this.#nextId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  #send(frame: Buffer): void {
    const stdin = this.#child?.stdin;
    if (!this.#alive || !stdin || stdin.destroyed || stdin.writableEnded) return;
    stdin.write(frame);
  }

  #onStdout(text: string): void {
    this.#stdout += text;
    for (let nl = this.#stdout.indexOf('\n'); nl >= 0; nl = this.#stdout.indexOf('\n')) {
      const line = this.#stdout.slice(0, nl);
      this.#stdout = this.#stdout.slice(nl + 1);
      if (line.trim() === '') continue;
      let message: WorkerMessage;
      try {
        message = JSON.parse(line) as WorkerMessage;
      } catch {
        this.#stderr = (this.#stderr + `unparsable output: ${line}\n`).slice(-STDERR_TAIL);
        continue;
      }
      this.#onMessage(message);
    }
  }

  #onMessage(message: WorkerMessage): void {
    this.#lastOutputAt = performance.now();
    switch (message.t) {
      case 'ready':
        this.#readyInfo = message;
        // Held while starting; ready and idle, it must not keep the process alive any more.
        this.#updateRef();
        this.#settleReady.resolve(message);
        return;
      case 'partial':
        this.#streams.get(message.id)?.partial(message.text);
        return;
      case 'final': {
        const stream = this.#streams.get(message.id);
        if (stream) {
          this.#streams.delete(message.id);
          stream.succeed({ text: message.text });
          this.#updateRef();
        }
        return;
      }
      case 'error': {
        const stream = this.#streams.get(message.id);
        if (stream) {
          this.#streams.delete(message.id);
          const grammarError = this.#grammarErrors.get(stream.grammar.key);
          stream.fail(
            grammarError !== undefined
              ? new SttError(
                  'stt_grammar_invalid',
                  `pocketsphinx could not compile grammar "${stream.grammar.name}" (${grammarError}); check its JSGF syntax`,
                )
              : new SttError('stt_decode_failed', `speech recognition failed: ${message.message}`),
          );
          this.#updateRef();
        }
        return;
      }
      case 'grammar':
        if (!message.ok) {
          this.#grammarErrors.set(message.key, message.message ?? 'unknown error');
          this.#grammars.delete(message.key);
        }
        return;
      case 'pong': {
        const resolve = this.#pings.get(message.id);
        this.#pings.delete(message.id);
        this.#updateRef();
        resolve?.(message);
        return;
      }
      case 'fatal':
        this.#fatal =
          message.code === 'stt_unavailable'
            ? unavailable(message.message, message.missing ?? ['python3-pocketsphinx', 'pocketsphinx-en-us'])
            : new SttError('stt_worker_failed', `the speech recognition worker could not start: ${message.message}`);
        return;
    }
  }

  #onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#closing && this.#fatal === undefined) {
      this.#onGone(undefined, false);
      return;
    }
    if (this.#fatal !== undefined) {
      this.#onGone(this.#fatal, this.#fatal.code === 'stt_unavailable');
      return;
    }
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const why = this.#stopReason !== undefined ? ` (stopped because ${this.#stopReason})` : '';
    const tail = this.#stderr.trim();
    const detail = tail === '' ? '' : `; its last output: ${tail.slice(-500)}`;
    this.#onGone(
      new SttError(
        'stt_worker_crashed',
        `the speech recognition worker (pid ${this.#child?.pid}) ${how}${why} while this utterance was being recognized; ` +
          `it is restarted for the next one${detail}`,
      ),
      false,
    );
  }

  #notRunning(): SttError {
    return this.#goneError ?? new SttError('stt_worker_crashed', 'the speech recognition worker is not running');
  }

  #onGone(error: SttError | undefined, permanent: boolean): void {
    if (!this.#alive) return;
    this.#alive = false;
    const failure = error ?? new SttError('stt_closed', 'the speech recognizer was closed');
    this.#goneError = failure;
    this.#settleReady.reject(failure);
    this.#failAll(failure);
    for (const resolve of this.#pings.values()) resolve({ t: 'pong', id: 0, rssKb: null, decoders: 0, idle: 0, streams: 0 });
    this.#pings.clear();
    this.#markExited();
    this.#onExit(this, { error, permanent });
  }

  #failAll(error: SttError): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream.fail(error);
    this.#updateRef();
  }

  /** Holds the event loop open only while something waits on the worker, so an idle recognizer never keeps Node running. */
  #updateRef(): void {
    const child = this.#child;
    if (!child) return;
    const busy =
      this.#alive &&
      (this.#streams.size > 0 ||
        this.#pings.size > 0 ||
        this.#readyInfo === undefined ||
        this.#closing ||
        this.#stopReason !== undefined);
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<Socket | null>) {
      if (s && typeof s.ref === 'function') {
        if (busy) s.ref();
        else s.unref();
      }
    }
    if (busy) child.ref();
    else child.unref();
  }

  #spawnError(error: unknown): SttError {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      return unavailable(`the Python interpreter ${this.#spec.python} was not found`, ['python3', 'python3-pocketsphinx'], error);
    }
    return new SttError('stt_worker_failed', `cannot start the speech recognition worker: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

type Outcome = { ok: true; transcript: Transcript } | { ok: false; error: SttError };

/** An utterance inside a worker. */
export class WorkerStream implements RecognitionStream {
  readonly id: number;
  readonly grammar: PreparedGrammar;
  /** @internal */
  timer: NodeJS.Timeout | undefined;

  #worker: SphinxWorker;
  #onPartial: ((text: string) => void) | undefined;
  #dither: Dither | undefined;
  #state: 'open' | 'ending' | 'done' = 'open';
  #outcome: Outcome | undefined;
  #waiter: { resolve: (t: Transcript) => void; reject: (e: SttError) => void } | undefined;
  #promise: Promise<Transcript> | undefined;

  constructor(
    worker: SphinxWorker,
    id: number,
    grammar: PreparedGrammar,
    onPartial: ((text: string) => void) | undefined,
    dither: Dither | undefined,
  ) {
    this.#worker = worker;
    this.#dither = dither;
    this.id = id;
    this.grammar = grammar;
    this.#onPartial = onPartial;
  }

  /** Ignored once the utterance has ended, been cancelled or failed. */
  write(samples: Int16Array): void {
    if (this.#state !== 'open' || this.#outcome !== undefined || samples.length === 0) return;
    this.#worker.sendAudio(this.id, this.#dither ? this.#dither.apply(samples) : samples);
  }

  end(): Promise<Transcript> {
    if (this.#promise) return this.#promise;
    this.#promise = new Promise<Transcript>((resolve, reject) => {
      if (this.#outcome !== undefined) {
        if (this.#outcome.ok) resolve(this.#outcome.transcript);
        else reject(this.#outcome.error);
        return;
      }
      this.#waiter = { resolve, reject };
    });
    if (this.#state === 'open' && this.#outcome === undefined) {
      this.#state = 'ending';
      this.#worker.sendEnd(this);
    }
    return this.#promise;
  }

  /** Drops the utterance; a pending end() rejects with `stt_cancelled`. */
  cancel(): void {
    if (this.#state === 'done' || this.#outcome !== undefined) {
      this.#state = 'done';
      return;
    }
    this.#state = 'done';
    this.#worker.sendCancel(this);
    this.fail(new SttError('stt_cancelled', 'the utterance was cancelled'));
  }

  /** @internal */
  partial(text: string): void {
    // Partials of audio written before end() still count; none after cancel() or a result.
    if (this.#state === 'done' || this.#outcome !== undefined || this.#onPartial === undefined) return;
    try {
      this.#onPartial(text);
    } catch {
      // A throwing listener must not break the worker's message loop.
    }
  }

  /** @internal */
  succeed(transcript: Transcript): void {
    this.#settle({ ok: true, transcript });
  }

  /** @internal */
  fail(error: SttError): void {
    this.#settle({ ok: false, error });
  }

  #settle(outcome: Outcome): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    if (this.timer) clearTimeout(this.timer);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    if (outcome.ok) waiter.resolve(outcome.transcript);
    else waiter.reject(outcome.error);
  }
}

/**
 * pocketsphinx's own dither (`-dither`: +1 on a quarter of the samples), applied here with a
 * fixed seed per utterance so that results stay reproducible. Digital silence (runs of exact
 * zeros, as synthesized or padded audio has) otherwise gives -inf log energies that derail
 * the front end's voice activity detection: without it, espeak-ng audio without sox's dither
 * lost words ("no, Tuesday" → "no") in 4 of the 25 core test utterances; with it, none.
 */
export class Dither {
  #state = 0x2545f491;

  /** A dithered copy (the caller's array is left alone). */
  apply(samples: Int16Array): Int16Array {
    const out = new Int16Array(samples.length);
    let state = this.#state;
    for (let i = 0; i < samples.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) | 0;
      const s = samples[i]!;
      out[i] = (state >>> 30) === 0 && s < 32767 ? s + 1 : s;
    }
    this.#state = state;
    return out;
  }
}

/** A stream that could not start: writes are dropped and end() rejects with the reason. */
export class FailedStream implements RecognitionStream {
  #error: SttError;
  #promise: Promise<Transcript> | undefined;

  constructor(error: SttError) {
    this.#error = error;
  }

  write(): void {}

  end(): Promise<Transcript> {
    this.#promise ??= Promise.reject(this.#error);
    return this.#promise;
  }

  cancel(): void {}
}
