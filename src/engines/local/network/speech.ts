import { bytesToPcm16 } from '../../../audio/pcm16.js';
import type { SpeechChunk, SpeechSynthesizer, SynthesisOptions } from '../providers.js';
import { DEFAULT_TTS_SAMPLE_RATE, type SpeechConfig } from './config.js';
import { NetworkProviderError } from './errors.js';
import { EndpointClient, RequestControl, type NetworkLogger } from './http.js';
import { splitForLimit } from './sentences.js';

export interface SpeechSynthesizerOptions {
  logger?: NetworkLogger;
  /** Chunk length (default 100 ms). */
  chunkMs?: number;
  /** Longest `input` one request may carry (default 4096, OpenAI's limit); longer text is sent sentence-aligned in several requests. */
  maxInputChars?: number;
  /** Speaking rate assumed to place text in chunks when the server does not announce the audio length (default 15 characters per second at speed 1). */
  charsPerSecond?: number;
}

/**
 * Speech by an OpenAI-compatible `POST /audio/speech` with
 * `response_format: "pcm"` (raw 16-bit little-endian mono, 24 kHz at OpenAI),
 * streamed: chunks of ~100 ms are yielded as the body arrives. Each chunk
 * carries the part of the text it is estimated to speak — proportionally to
 * the audio (exactly, when the server sends Content-Length; otherwise from a
 * speaking-rate estimate), cut at word boundaries, the rest on the last chunk —
 * so the chunk texts put together are the input. Aborting the signal closes
 * the connection and ends the iteration quietly.
 */
export class OpenAISpeechSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly sampleRate: number;
  private readonly client: EndpointClient;
  private readonly chunkBytes: number;
  private readonly maxInputChars: number;
  private readonly charsPerSecond: number;
  private readonly live = new Set<RequestControl>();
  private closed = false;

  constructor(
    private readonly config: SpeechConfig,
    opts: SpeechSynthesizerOptions = {},
  ) {
    this.client = new EndpointClient('tts', config, opts.logger);
    this.sampleRate = config.sampleRate ?? DEFAULT_TTS_SAMPLE_RATE;
    const chunkMs = opts.chunkMs ?? 100;
    if (!(chunkMs > 0)) throw new RangeError(`chunkMs must be positive, got ${chunkMs}`);
    this.chunkBytes = Math.max(1, Math.round((this.sampleRate * chunkMs) / 1000)) * 2;
    this.maxInputChars = opts.maxInputChars ?? 4096;
    this.charsPerSecond = opts.charsPerSecond ?? 15;
    this.name = `openai-speech:${config.model}`;
  }

  async *synthesize(text: string, opts: SynthesisOptions): AsyncGenerator<SpeechChunk, void, undefined> {
    if (this.closed) throw new NetworkProviderError('tts', 'closed', 'the speech synthesizer is closed');
    for (const piece of splitForLimit(text, this.maxInputChars)) {
      if (opts.signal.aborted) return;
      if (piece.trim() === '') continue;
      yield* this.request(piece, opts);
    }
  }

  private async *request(input: string, opts: SynthesisOptions): AsyncGenerator<SpeechChunk, void, undefined> {
    const control = new RequestControl(this.client.timeoutMs, opts.signal);
    this.live.add(control);
    const speed = Math.min(4, Math.max(0.25, opts.speed || 1));
    const body = JSON.stringify({ model: this.config.model, input, voice: this.config.voice ?? opts.voice, response_format: 'pcm', speed });
    const placer = new TextPlacer(input);
    let pending = Buffer.alloc(0);
    let total = 0;
    try {
      let res: Response;
      try {
        res = await this.client.post('/audio/speech', body, control, 'application/json');
      } catch (err) {
        if (opts.signal.aborted || (err as NetworkProviderError).code === 'tts_cancelled') return;
        throw err;
      }
      const declared = Number(res.headers.get('content-length'));
      const expected = Number.isFinite(declared) && declared > 0 ? Math.floor(declared / 2) : Math.ceil((input.length / (this.charsPerSecond * speed)) * this.sampleRate);
      if (!res.body) throw this.client.badResponse('the speech response has no body');
      const reader = res.body.getReader();
      for (;;) {
        control.arm();
        let next: { done: true; value?: undefined } | { done: false; value: Uint8Array };
        try {
          next = await reader.read();
        } catch (err) {
          if (opts.signal.aborted) return;
          throw this.client.failure(err, control, 'while streaming audio');
        }
        if (next.done) break;
        pending = pending.byteLength === 0 ? Buffer.from(next.value) : Buffer.concat([pending, next.value]);
        // Strictly more than a chunk stays back, so the last chunk is never empty and carries the rest of the text.
        while (pending.byteLength > this.chunkBytes) {
          const samples = bytesToPcm16(pending.subarray(0, this.chunkBytes));
          pending = pending.subarray(this.chunkBytes);
          total += samples.length;
          yield { samples, sampleRate: this.sampleRate, text: placer.upTo(total / expected) };
          if (opts.signal.aborted) return;
        }
      }
      control.disarm();
      const whole = pending.subarray(0, pending.byteLength - (pending.byteLength % 2));
      if (total === 0 && whole.byteLength === 0) throw this.client.badResponse(`no audio for ${JSON.stringify(input.slice(0, 60))}`);
      yield { samples: bytesToPcm16(whole), sampleRate: this.sampleRate, text: placer.rest() };
    } finally {
      control.dispose();
      this.live.delete(control);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.live) c.cancel();
    this.live.clear();
  }
}

/**
 * Hands out a text in order, in pieces that end at word boundaries, in
 * proportion to how much of its audio has been produced; the last word is
 * always kept for `rest()`.
 */
export class TextPlacer {
  private given = 0;
  private readonly lastWordStart: number;

  constructor(private readonly text: string) {
    const m = /\S+\s*$/.exec(text);
    this.lastWordStart = m ? m.index : text.length;
  }

  /** The next piece, up to `fraction` (0..1) of the text. */
  upTo(fraction: number): string {
    const target = Math.min(this.lastWordStart, Math.floor(this.text.length * Math.min(1, Math.max(0, fraction))));
    let cut = target;
    // Back to the start of the word the target falls in (a cut just after whitespace).
    while (cut > this.given && !/\s/.test(this.text[cut - 1] as string)) cut--;
    if (cut <= this.given) return '';
    const piece = this.text.slice(this.given, cut);
    this.given = cut;
    return piece;
  }

  rest(): string {
    const piece = this.text.slice(this.given);
    this.given = this.text.length;
    return piece;
  }
}
