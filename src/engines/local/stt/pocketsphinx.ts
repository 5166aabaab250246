import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecognitionOptions, RecognitionStream, SpeechRecognizer } from '../providers.js';
import { DEFAULT_MODEL_DIR, PronouncingDictionary } from './dictionary.js';
import { SttError, unavailable } from './errors.js';
import { prepareGrammar, type PreparedGrammar } from './grammar.js';
import type { PongMessage, ReadyMessage } from './protocol.js';
import { FailedStream, SphinxWorker, type WorkerExit, type WorkerSpec } from './worker-process.js';

/** Decoder settings tuned on espeak-ng speech against booking grammars (see README.md in this folder). */
export const DEFAULT_DECODER_PARAMS: Readonly<Record<string, string | number | boolean>> = {
  '-wip': 0.01,
  '-pip': 0.5,
  '-remove_noise': false,
  '-beam': 1e-60,
  '-pbeam': 1e-60,
  '-wbeam': 1e-40,
};

export interface MinimalLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface PocketsphinxRecognizerOptions {
  /** Directory of Debian's pocketsphinx-en-us model: the acoustic model is `<modelDir>/en-us`. */
  modelDir?: string;
  /** CMUdict-format dictionary (an instance or a path) words are looked up in. Default `<modelDir>/cmudict-en-us.dict`. */
  dictionary?: PronouncingDictionary | string;
  /** Python 3 with the pocketsphinx bindings. Default `/usr/bin/python3`: Debian's python3-pocketsphinx is only on its path. */
  python?: string;
  /** The worker script. Default: worker/pocketsphinx_worker.py next to this module (or in the source tree when running from dist/). */
  workerScript?: string;
  /** Worker processes; utterances go to the least busy one. Each is one CPU at most. Default 1. */
  workers?: number;
  /** Decoders each worker creates at start-up (≈6 MB each, ~7 ms to create); more are created on demand. Default 2. */
  warmDecoders?: number;
  /** Idle decoders a worker keeps for reuse after a burst of concurrent utterances. Default 8. */
  maxIdleDecoders?: number;
  /** Partial hypotheses are checked after every this many ms of audio (0 = none). Default 200. */
  partialIntervalMs?: number;
  /**
   * Speech frames (10 ms each) used to estimate an utterance's cepstral mean before its search is
   * restarted with it (0 = pocketsphinx's own running mean, carried across utterances). Max 250. Default 200.
   */
  cmnLookaheadFrames?: number;
  /** pocketsphinx options (`-beam`, `-wip`, …) merged over DEFAULT_DECODER_PARAMS. */
  decoderParams?: Readonly<Record<string, string | number | boolean>>;
  /** Add ½-LSB dither to the audio, as pocketsphinx's `-dither` does but reproducibly: keeps digital silence from derailing it. Default true. */
  dither?: boolean;
  /** end() rejects with `stt_timeout` (and the worker is restarted) when no result comes within this. Default 10000. */
  endTimeoutMs?: number;
  /** Used when start() is given no grammar. Without one, such utterances fail with `stt_grammar_required`. */
  defaultGrammar?: { name: string; jsgf: string };
  logger?: MinimalLogger;
}

const DEFAULT_PYTHON = '/usr/bin/python3';
const CRASH_WINDOW_MS = 60_000;
const MAX_EAGER_RESTARTS = 3;

/**
 * The worker script next to this module. `tsc` does not copy .py files, so a build running from
 * `dist/` (rootDir src → dist/engines/local/stt/) falls back to the source tree's copy.
 */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(new URL('./worker/pocketsphinx_worker.py', import.meta.url));
  if (existsSync(here)) return here;
  const marker = `${sep}dist${sep}`;
  const index = here.lastIndexOf(marker);
  if (index < 0) return here;
  const source = `${here.slice(0, index)}${sep}src${sep}${here.slice(index + marker.length)}`;
  return existsSync(source) ? source : here;
}

/**
 * Offline speech recognition with pocketsphinx (CMU Sphinx) against JSGF grammars.
 *
 * Decoding runs in long-lived Python workers (worker/pocketsphinx_worker.py, Debian's
 * python3-pocketsphinx): the acoustic model is loaded when a worker starts, and each utterance
 * takes a warm decoder from the worker's pool, so nothing is loaded per utterance. Audio is
 * decoded as it is written; end() leaves only the last search step (and, for utterances under
 * `cmnLookaheadFrames` of speech, a replay with the utterance's own cepstral mean: ~10 ms per
 * second of audio). Concurrent utterances each get their own decoder.
 *
 * `start()` never throws: anything that prevents recognition (missing packages, an invalid
 * grammar or unknown words, a closed recognizer) makes `end()` reject with an SttError, and
 * `write()` is ignored. A worker crash rejects the utterances inside it with
 * `stt_worker_crashed`; a replacement starts at once (or with the next utterance after
 * repeated crashes).
 */
export class PocketsphinxRecognizer implements SpeechRecognizer {
  readonly name = 'pocketsphinx';
  readonly sampleRate = 16000;

  #opts: Required<Omit<PocketsphinxRecognizerOptions, 'dictionary' | 'defaultGrammar' | 'logger'>>;
  #dictionaryOption: PronouncingDictionary | string;
  #dictionary: PronouncingDictionary | undefined;
  #defaultGrammar: { name: string; jsgf: string } | undefined;
  #logger: MinimalLogger | undefined;
  #workers: Array<SphinxWorker | undefined>;
  #crashes: number[] = [];
  #prepared = new Map<string, PreparedGrammar | SttError>();
  #closed = false;

  constructor(options: PocketsphinxRecognizerOptions = {}) {
    const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    const lookahead = options.cmnLookaheadFrames ?? 200;
    if (!Number.isInteger(lookahead) || lookahead < 0 || lookahead > 250) {
      throw new RangeError(`cmnLookaheadFrames must be an integer from 0 to 250, got ${lookahead}`);
    }
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
    this.#opts = {
      modelDir,
      python: options.python ?? DEFAULT_PYTHON,
      workerScript: options.workerScript ?? defaultWorkerScript(),
      workers,
      warmDecoders: options.warmDecoders ?? 2,
      maxIdleDecoders: options.maxIdleDecoders ?? 8,
      partialIntervalMs: options.partialIntervalMs ?? 200,
      cmnLookaheadFrames: lookahead,
      decoderParams: { ...DEFAULT_DECODER_PARAMS, ...options.decoderParams },
      endTimeoutMs: options.endTimeoutMs ?? 10_000,
      dither: options.dither ?? true,
    };
    this.#dictionaryOption = options.dictionary ?? `${modelDir}/cmudict-en-us.dict`;
    if (this.#dictionaryOption instanceof PronouncingDictionary) this.#dictionary = this.#dictionaryOption;
    this.#defaultGrammar = options.defaultGrammar;
    this.#logger = options.logger;
    this.#workers = new Array<SphinxWorker | undefined>(workers).fill(undefined);
  }

  /** A recognizer whose workers are up and whose dictionary is loaded; rejects with `stt_unavailable` when packages are missing. */
  static async create(options: PocketsphinxRecognizerOptions = {}): Promise<PocketsphinxRecognizer> {
    const recognizer = new PocketsphinxRecognizer(options);
    try {
      await recognizer.ready();
    } catch (error) {
      await recognizer.close();
      throw error;
    }
    return recognizer;
  }

  /** Starts the workers (if not running), loads the dictionary, and checks the default grammar. */
  async ready(): Promise<ReadyMessage[]> {
    if (this.#closed) throw new SttError('stt_closed', 'the speech recognizer was closed');
    const missing = this.#checkInstalled();
    if (missing) throw missing;
    if (this.#dictionary === undefined) {
      this.#dictionary = await PronouncingDictionary.load(this.#dictionaryOption as string);
    }
    if (this.#defaultGrammar) {
      const prepared = this.#prepare(this.#defaultGrammar);
      if (prepared instanceof SttError) throw prepared;
    }
    const infos = await Promise.all(this.#workers.map((_, i) => this.#worker(i).ready));
    for (const info of infos) {
      if (info.cmn !== 'utterance' && this.#opts.cmnLookaheadFrames > 0) {
        this.#logger?.warn({ cmnError: info.cmnError }, 'pocketsphinx worker: per-utterance CMN unavailable, using the running mean');
      }
    }
    return infos;
  }

  start(opts: RecognitionOptions): RecognitionStream {
    if (this.#closed) return new FailedStream(new SttError('stt_closed', 'the speech recognizer was closed'));
    if (opts.language !== undefined && opts.language !== '' && !/^en\b/i.test(opts.language)) {
      return new FailedStream(
        new SttError('stt_language_unsupported', `the pocketsphinx model recognizes US English only, not "${opts.language}"`),
      );
    }
    const grammar = opts.grammar ?? this.#defaultGrammar;
    if (grammar === undefined) {
      return new FailedStream(
        new SttError(
          'stt_grammar_required',
          'pocketsphinx recognizes against a grammar (JSGF) of what callers may say, and none was given ' +
            '(RecognitionOptions.grammar or the defaultGrammar option); build one with defineGrammar()',
        ),
      );
    }
    const missing = this.#checkInstalled();
    if (missing) return new FailedStream(missing);
    const prepared = this.#prepare(grammar);
    if (prepared instanceof SttError) return new FailedStream(prepared);
    return this.#pick().open(prepared, opts.onPartial);
  }

  /** Ends every worker. Utterances in progress reject with `stt_closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.filter((w): w is SphinxWorker => w !== undefined);
    this.#workers.fill(undefined);
    await Promise.all(workers.map((w) => w.close()));
  }

  /** Per-worker process id, readiness and memory (a `pong` from each live worker), for diagnostics and tests. */
  async stats(): Promise<Array<{ pid: number | undefined; ready: ReadyMessage | undefined; pong: PongMessage | undefined }>> {
    return Promise.all(
      this.#workers.map(async (w) => {
        if (w === undefined || !w.alive) return { pid: undefined, ready: undefined, pong: undefined };
        const pong = await w.ping().catch(() => undefined);
        return { pid: w.pid, ready: w.info, pong };
      }),
    );
  }

  // ---- internals ----

  #checkInstalled(): SttError | undefined {
    const { python, modelDir, workerScript } = this.#opts;
    if (!existsSync(`${modelDir}/en-us/mdef`)) {
      return unavailable(`the pocketsphinx US English model is not installed (${modelDir}/en-us)`, ['pocketsphinx-en-us']);
    }
    if (!existsSync(python)) {
      return unavailable(`the Python interpreter ${python} was not found`, ['python3', 'python3-pocketsphinx']);
    }
    if (!existsSync(workerScript)) {
      return new SttError('stt_worker_failed', `the speech recognition worker script ${workerScript} is missing`);
    }
    return undefined;
  }

  #prepare(grammar: { name: string; jsgf: string }): PreparedGrammar | SttError {
    const cacheKey = `${grammar.name}\0${grammar.jsgf}`;
    let prepared = this.#prepared.get(cacheKey);
    if (prepared === undefined) {
      try {
        this.#dictionary ??= PronouncingDictionary.loadSync(this.#dictionaryOption as string);
        prepared = prepareGrammar(grammar, this.#dictionary);
      } catch (error) {
        if (!(error instanceof SttError)) throw error;
        prepared = error;
      }
      // Bounded: grammars are few; an engine that makes one per turn must not grow this forever.
      if (this.#prepared.size >= 64) this.#prepared.delete(this.#prepared.keys().next().value!);
      this.#prepared.set(cacheKey, prepared);
    }
    return prepared;
  }

  /** The least busy worker, started if needed. */
  #pick(): SphinxWorker {
    let best = 0;
    let bestLoad = Infinity;
    for (let i = 0; i < this.#workers.length; i++) {
      const w = this.#workers[i];
      const load = w === undefined || !w.alive ? 0 : w.load;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return this.#worker(best);
  }

  #worker(index: number): SphinxWorker {
    const existing = this.#workers[index];
    if (existing !== undefined && existing.alive) return existing;
    const worker = new SphinxWorker(this.#spec(), (w, exit) => this.#onWorkerExit(index, w, exit));
    this.#workers[index] = worker;
    return worker;
  }

  #spec(): WorkerSpec {
    const o = this.#opts;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(o.decoderParams)) {
      if (!/^-[a-z_0-9]+$/.test(key)) throw new RangeError(`decoder option ${JSON.stringify(key)} is not a pocketsphinx option name`);
      params[key] = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
      if (/[\r\n]/.test(params[key])) throw new RangeError(`decoder option ${key} has a line break in its value`);
    }
    return {
      python: o.python,
      script: o.workerScript,
      config: {
        hmm: `${o.modelDir}/en-us`,
        params,
        cmnLookahead: o.cmnLookaheadFrames,
        cmnPriorWeight: 30,
        warmDecoders: o.warmDecoders,
        maxIdleDecoders: o.maxIdleDecoders,
      },
      partialIntervalMs: o.partialIntervalMs,
      endTimeoutMs: o.endTimeoutMs,
      dither: o.dither,
    };
  }

  #onWorkerExit(index: number, worker: SphinxWorker, exit: WorkerExit): void {
    if (this.#workers[index] === worker) this.#workers[index] = undefined;
    if (this.#closed || exit.error === undefined) return;
    if (exit.permanent) {
      this.#logger?.warn({ code: exit.error.code }, exit.error.message);
      return;
    }
    const now = Date.now();
    this.#crashes = this.#crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    this.#crashes.push(now);
    const eager = this.#crashes.length <= MAX_EAGER_RESTARTS;
    this.#logger?.warn(
      { code: exit.error.code, pid: worker.pid, restart: eager ? 'now' : 'with the next utterance' },
      `pocketsphinx worker exited: ${exit.error.message}`,
    );
    // Start the replacement now so the next utterance finds the model loaded, unless it keeps crashing.
    if (eager && this.#workers[index] === undefined) this.#worker(index);
  }
}
