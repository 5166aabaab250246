import { concatPcm16 } from '../../../audio/pcm16.js';
import { writeWav } from '../../../audio/wav.js';
import type { RecognitionOptions, RecognitionStream, SpeechRecognizer, Transcript } from '../providers.js';
import type { TranscriptionConfig } from './config.js';
import { NetworkProviderError } from './errors.js';
import { grammarPhrases } from './grammar-hint.js';
import { EndpointClient, RequestControl, type NetworkLogger } from './http.js';

export interface TranscriptionRecognizerOptions {
  logger?: NetworkLogger;
  /** Rate `write` expects (default 16000: what Whisper-family models work at). */
  sampleRate?: number;
  /** Longest prompt sent (grammar phrases are cut at a phrase boundary; Whisper reads about 224 tokens). Default 800 characters. */
  maxPromptChars?: number;
  /** Largest WAV uploaded (default 25 MB, OpenAI's limit); longer utterances fail with `stt_audio_too_long`. */
  maxUploadBytes?: number;
}

const WAV_HEADER_BYTES = 44;

/**
 * Speech recognition by an OpenAI-compatible `POST /audio/transcriptions`
 * (OpenAI, Speaches, faster-whisper-server, vLLM, LocalAI…). An utterance is
 * buffered as it is spoken and sent as one 16-bit mono WAV when it ends; a
 * grammar, which such servers cannot enforce, becomes a prompt of its phrases.
 * There are no partial hypotheses.
 */
export class OpenAITranscriptionRecognizer implements SpeechRecognizer {
  readonly name: string;
  readonly sampleRate: number;
  private readonly client: EndpointClient;
  private readonly maxPromptChars: number;
  private readonly maxUploadBytes: number;
  private readonly live = new Set<Utterance>();
  private closed = false;

  constructor(
    private readonly config: TranscriptionConfig,
    opts: TranscriptionRecognizerOptions = {},
  ) {
    this.client = new EndpointClient('stt', config, opts.logger);
    this.sampleRate = opts.sampleRate ?? 16_000;
    this.maxPromptChars = opts.maxPromptChars ?? 800;
    this.maxUploadBytes = opts.maxUploadBytes ?? 25 * 1000 * 1000;
    this.name = `openai-transcription:${config.model}`;
  }

  start(opts: RecognitionOptions = {}): RecognitionStream {
    const u = new Utterance(this, opts);
    if (this.closed) u.fail(new NetworkProviderError('stt', 'closed', 'the transcription recognizer is closed'));
    else this.live.add(u);
    return u;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const u of [...this.live]) u.cancel();
    this.live.clear();
  }

  /** @internal */
  forget(u: Utterance): void {
    this.live.delete(u);
  }

  /** The `prompt` field: the configured prompt, then the grammar's phrases. */
  promptFor(opts: RecognitionOptions): string | undefined {
    const parts: string[] = [];
    if (this.config.prompt) parts.push(this.config.prompt);
    if (opts.grammar) {
      const room = this.maxPromptChars - (parts[0]?.length ?? 0) - 1;
      const phrases = room > 0 ? grammarPhrases(opts.grammar.jsgf, room) : '';
      if (phrases) parts.push(phrases);
    }
    const prompt = parts.join(' ').trim();
    return prompt === '' ? undefined : prompt;
  }

  /** @internal One request for one utterance's audio. */
  async transcribe(samples: Int16Array, opts: RecognitionOptions, control: RequestControl): Promise<Transcript> {
    const wav = writeWav({ sampleRate: this.sampleRate, channels: 1, samples });
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.config.model);
    const language = opts.language ?? this.config.language;
    if (language) form.append('language', language);
    const prompt = this.promptFor(opts);
    if (prompt) form.append('prompt', prompt);
    form.append('response_format', 'json');
    // The timeout covers the whole request: post() arms it, reading the small JSON answer stays under it.
    const res = await this.client.post('/audio/transcriptions', form, control);
    let body: string;
    try {
      body = await res.text();
    } catch (err) {
      throw this.client.failure(err, control, 'while reading the transcript');
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw this.client.badResponse(`expected JSON with a "text" field, got ${JSON.stringify(body.slice(0, 120))}`);
    }
    const text = (json as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw this.client.badResponse(`expected JSON with a "text" field, got ${JSON.stringify(body.slice(0, 120))}`);
    return { text: text.trim() };
  }

  /** @internal */
  get uploadLimitSamples(): number {
    return Math.floor((this.maxUploadBytes - WAV_HEADER_BYTES) / 2);
  }

  /** @internal */
  get timeoutMs(): number {
    return this.client.timeoutMs;
  }
}

class Utterance implements RecognitionStream {
  private chunks: Int16Array[] = [];
  private samples = 0;
  private tooLong = false;
  private state: 'open' | 'ended' | 'cancelled' = 'open';
  private result: Promise<Transcript> | null = null;
  private control: RequestControl | null = null;
  private failure: NetworkProviderError | null = null;

  constructor(
    private readonly owner: OpenAITranscriptionRecognizer,
    private readonly opts: RecognitionOptions,
  ) {}

  fail(err: NetworkProviderError): void {
    this.failure = err;
    this.state = 'cancelled';
  }

  write(samples: Int16Array): void {
    if (this.state !== 'open' || samples.length === 0 || this.tooLong) return;
    if (this.samples + samples.length > this.owner.uploadLimitSamples) {
      this.tooLong = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(samples.slice());
    this.samples += samples.length;
  }

  end(): Promise<Transcript> {
    if (this.result) return this.result;
    if (this.state === 'cancelled') {
      this.result = Promise.reject(this.failure ?? new NetworkProviderError('stt', 'cancelled', 'the utterance was cancelled before its transcript was ready'));
      return this.result;
    }
    this.state = 'ended';
    this.result = this.run().finally(() => this.owner.forget(this));
    return this.result;
  }

  private async run(): Promise<Transcript> {
    if (this.tooLong) {
      const seconds = Math.round(this.owner.uploadLimitSamples / this.owner.sampleRate);
      throw new NetworkProviderError('stt', 'audio_too_long', `the utterance is longer than the ${seconds} s the transcription endpoint accepts in one upload`);
    }
    if (this.samples === 0) return { text: '' };
    const samples = concatPcm16(this.chunks);
    this.chunks = [];
    this.control = new RequestControl(this.owner.timeoutMs);
    try {
      return await this.owner.transcribe(samples, this.opts, this.control);
    } catch (err) {
      if (this.state === 'cancelled') throw new NetworkProviderError('stt', 'cancelled', 'the utterance was cancelled before its transcript was ready');
      throw err;
    } finally {
      this.control.dispose();
    }
  }

  cancel(): void {
    if (this.state === 'cancelled') return;
    const wasEnded = this.state === 'ended';
    this.state = 'cancelled';
    this.chunks = [];
    this.control?.cancel();
    if (!wasEnded) this.owner.forget(this);
  }
}
