/**
 * The four provider slots of the local engine. Offline providers (energy
 * VAD, pocketsphinx, a rule-based brain, espeak-ng) and network ones
 * (OpenAI-compatible transcription, chat completions, speech) implement the
 * same interfaces, so the engine never knows which one it runs.
 *
 * Audio between providers is mono PCM16 (`Int16Array`) at a named rate.
 */

// ---------- VAD ----------

export interface VadSettings {
  /** 0..1; higher needs louder speech (protocol `threshold`). */
  threshold: number;
  /** Audio kept before the detected onset, reported in `audio_start_ms`. */
  prefixPaddingMs: number;
  /** Silence that ends a turn. */
  silenceDurationMs: number;
}

export type VadEvent =
  /** `audioStartMs` already includes the prefix padding (never below 0). */
  | { type: 'speech_started'; audioStartMs: number }
  /** `audioEndMs` includes the silence window, as OpenAI reports it. */
  | { type: 'speech_stopped'; audioEndMs: number };

/** Stateful turn detector over a continuous stream; times are ms on the stream's own clock. */
export interface VoiceActivityDetector {
  readonly sampleRate: number;
  /** Feeds the next samples; returns the events they caused, in order. */
  process(samples: Int16Array): VadEvent[];
  /** New settings apply from the next sample on. */
  configure(settings: VadSettings): void;
  /** Forgets speech state (not the noise floor, not the clock). */
  reset(): void;
  /** ms of audio processed so far. */
  readonly clockMs: number;
}

// ---------- STT ----------

export interface Transcript {
  text: string;
  /** 0..1 when the recognizer gives one. */
  confidence?: number;
}

/** One utterance being recognized while it is spoken, so little work is left at its end. */
export interface RecognitionStream {
  write(samples: Int16Array): void;
  /** Ends the utterance and resolves with the final transcript. */
  end(): Promise<Transcript>;
  /** Drops the utterance (caller cleared the buffer, session closed). */
  cancel(): void;
}

export interface RecognitionOptions {
  /** A JSGF grammar constraining what can be recognized (offline recognizers); network ones may use it as a prompt. */
  grammar?: { name: string; jsgf: string };
  language?: string;
  /** Partial hypotheses as they form (for `transcription.delta` events). */
  onPartial?: (text: string) => void;
}

export interface SpeechRecognizer {
  readonly name: string;
  /** The rate `write` expects. */
  readonly sampleRate: number;
  start(opts: RecognitionOptions): RecognitionStream;
  close(): Promise<void>;
}

// ---------- TTS ----------

export interface SpeechChunk {
  samples: Int16Array;
  sampleRate: number;
  /** The part of the text this chunk speaks ('' when it carries none), so transcripts stay in step with audio. */
  text: string;
}

export interface SynthesisOptions {
  /** An OpenAI voice name (alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar) or a provider voice. */
  voice: string;
  /** 0.25..1.5 as in the protocol. */
  speed: number;
  signal: AbortSignal;
}

export interface SpeechSynthesizer {
  readonly name: string;
  /** Streams speech in chunks of about 100 ms; stops promptly when `signal` aborts. */
  synthesize(text: string, opts: SynthesisOptions): AsyncIterable<SpeechChunk>;
  close(): Promise<void>;
}
