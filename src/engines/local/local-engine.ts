import { bytesPerMs } from '../../audio/formats.js';
import { concatPcm16 } from '../../audio/pcm16.js';
import { serverEvent } from '../../conversation/events.js';
import { newId } from '../../protocol/ids.js';
import type { AudioFormat, ClientEvent, Item, ServerEvent } from '../../protocol/schemas/index.js';
import type { EngineContext } from '../engine.js';
import { InProcessEngine } from '../inprocess/inprocess-engine.js';
import type { Model } from '../inprocess/model.js';
import { ReceptionistBrain, type Listening } from './brain/receptionist.js';
import type { ReceptionistVocabulary } from './brain/nlu/vocabulary.js';
import { LocalModel } from './local-model.js';
import { SttInput } from './stt-input.js';
import type { RecognitionStream, SpeechRecognizer, SpeechSynthesizer, VadSettings, VoiceActivityDetector } from './providers.js';
import type { Grammar } from './stt/grammar.js';
import { vadSettingsOf, type TurnDetection } from './turn-detection.js';

/** What a brain gets from the engine: the synthesizer, late transcripts, and the idle re-prompt. */
export interface LocalModelHooks {
  tts: SpeechSynthesizer | null;
  transcriptOf: (itemId: string) => Promise<string | null>;
  /** Once, right after an idle timeout: the agent's words for the re-prompt; else null. */
  takeIdlePrompt: () => string | null;
}

export interface LocalProviders {
  createVad: (settings: VadSettings) => VoiceActivityDetector;
  stt: SpeechRecognizer | null;
  tts: SpeechSynthesizer | null;
  /** The business the rule-based brain speaks for (the session's agent may bring its own). */
  vocabulary: ReceptionistVocabulary;
  /** What the recognizer listens for at this point of the dialogue (the rule-based brain only; an LLM brain hears anything). */
  grammarFor?: (listening: Listening, vocabulary: ReceptionistVocabulary) => Grammar;
  /** The brain; default: the rule-based receptionist (LocalModel). */
  createModel?: (hooks: LocalModelHooks) => Model;
}

interface Utterance {
  itemId: string;
  stream: RecognitionStream | null;
  partial: string;
}

/** Audio before the detected onset that recognition gets. */
const STT_LEAD_MS = 150;

/** How much audio the buffer keeps while nobody speaks, beyond the prefix padding. */
const IDLE_KEEP_MS = 500;

/** The re-prompt when the agent names none. */
export const DEFAULT_IDLE_PROMPT = 'Are you still there? I can help with appointments and orders.';

/**
 * The embedded engine: Realtime semantics (InProcessEngine) plus server VAD,
 * streaming speech recognition, the rule-based brain and speech synthesis —
 * all in-process, no key, no network.
 */
export class LocalEngine extends InProcessEngine {
  private converter: SttInput;
  private vad: VoiceActivityDetector | null = null;
  private vadOffsetMs = 0;
  /** Derived from the session's turn_detection whenever it changes; null = manual turns. */
  private vadSettings: VadSettings | null = null;
  private utterance: Utterance | null = null;
  /** Recent 16 kHz audio, so recognition starts at the padded onset. */
  private recent: Int16Array[] = [];
  private recentSamples = 0;
  /** Clock (ms of input appended) at the first byte still in the input buffer. */
  private bufferStartMs = 0;
  private readonly transcripts = new Map<string, Promise<string | null>>();
  private idleTimer: NodeJS.Timeout | null = null;
  /** Set when close() begins: the responses it cancels end with a response.done that must not arm the idle timer. */
  private closing = false;
  private idlePrompt = false;
  private lastResponseAudioMs = 0;
  /** When the caller started hearing the last response (its first audio chunk went out). */
  private playbackStartedAt: number | null = null;
  private readonly brain: ReceptionistBrain | null;
  private readonly vocabulary: ReceptionistVocabulary;

  constructor(
    ctx: EngineContext,
    private readonly providers: LocalProviders,
  ) {
    // The model needs engine state that only exists after super(): late-bound hooks.
    const hooks = { transcriptOf: (_id: string): Promise<string | null> => Promise.resolve(null), takeIdlePrompt: (): string | null => null };
    const modelHooks: LocalModelHooks = {
      tts: providers.tts,
      transcriptOf: (id) => hooks.transcriptOf(id),
      takeIdlePrompt: () => hooks.takeIdlePrompt(),
    };
    const vocabulary = ctx.agent?.vocabulary ?? providers.vocabulary;
    const brain = providers.createModel ? null : new ReceptionistBrain(vocabulary);
    super('local', ctx, brain ? new LocalModel({ brain, ...modelHooks }) : providers.createModel!(modelHooks));
    this.brain = brain;
    this.vocabulary = vocabulary;
    const idleWords = ctx.agent?.idlePrompt ?? DEFAULT_IDLE_PROMPT;
    hooks.transcriptOf = (id) => this.transcripts.get(id) ?? Promise.resolve(null);
    hooks.takeIdlePrompt = () => {
      const due = this.idlePrompt;
      this.idlePrompt = false;
      return due ? idleWords : null;
    };
    this.converter = new SttInput(this.inputFormat, this.sttRate);
    this.applyTurnDetection();
  }

  private get sttRate(): number {
    return this.providers.stt?.sampleRate ?? 16000;
  }

  private get input(): { format: AudioFormat; turn_detection: TurnDetection; transcription: unknown } {
    return (this.session.audio as unknown as { input: { format: AudioFormat; turn_detection: TurnDetection; transcription: unknown } }).input;
  }

  protected override handle(event: ClientEvent): void {
    // Only session.update can change the input format; appends (the hot path) skip the comparison.
    const format = event.type === 'session.update' ? JSON.stringify(this.inputFormat) : '';
    super.handle(event);
    if (event.type === 'session.update') {
      if (JSON.stringify(this.inputFormat) !== format) this.converter = new SttInput(this.inputFormat, this.sttRate);
      this.applyTurnDetection();
    } else if (event.type === 'input_audio_buffer.clear') {
      this.dropUtterance();
      this.bufferStartMs = this.clockMs();
    }
  }

  private clockMs(): number {
    return this.buffer.appendedBytes / bytesPerMs(this.inputFormat);
  }

  private get turnDetection(): TurnDetection {
    return this.input.turn_detection;
  }

  private applyTurnDetection(): void {
    const settings = vadSettingsOf(this.turnDetection);
    this.vadSettings = settings;
    if (!settings) {
      this.vad = null;
      this.dropUtterance();
    } else if (this.vad) this.vad.configure(settings);
    else {
      // The VAD's clock starts at 0; the session's counts all audio appended so far.
      this.vad = this.providers.createVad(settings);
      this.vadOffsetMs = this.clockMs();
    }
  }

  protected override onAudio(bytes: Buffer): void {
    const pcm = this.converter.convert(bytes);
    if (!this.vad) return;
    const settings = this.vadSettings;
    this.utterance?.stream?.write(pcm);
    for (const ev of this.vad.process(pcm)) {
      if (ev.type === 'speech_started') this.onSpeechStarted(ev.audioStartMs + this.vadOffsetMs, pcm);
      else this.onSpeechStopped(ev.audioEndMs + this.vadOffsetMs);
    }
    this.remember(pcm, (settings?.prefixPaddingMs ?? 300) + 100);
    if (!this.utterance) {
      // Nobody speaking: keep only what a future onset's padding may need.
      const keepMs = (settings?.prefixPaddingMs ?? 300) + IDLE_KEEP_MS;
      this.buffer.keepLast(Math.ceil(keepMs * bytesPerMs(this.inputFormat)));
      this.bufferStartMs = this.clockMs() - this.buffer.byteLength / bytesPerMs(this.inputFormat);
    }
  }

  private remember(pcm: Int16Array, ms: number): void {
    this.recent.push(pcm);
    this.recentSamples += pcm.length;
    const max = Math.ceil((ms * this.sttRate) / 1000);
    while (this.recentSamples - (this.recent[0]?.length ?? 0) >= max) this.recentSamples -= (this.recent.shift() as Int16Array).length;
  }

  private onSpeechStarted(audioStartMs: number, current: Int16Array): void {
    this.clearIdleTimer();
    const itemId = newId('item');
    this.emit(serverEvent('input_audio_buffer.speech_started', { audio_start_ms: Math.round(audioStartMs), item_id: itemId }));
    this.turn.trySend('speech_started');
    const td = this.turnDetection as { interrupt_response?: boolean } | null;
    if ((td?.interrupt_response ?? true) && this.responder.activeResponseId) this.responder.cancel(undefined, 'turn_detected');
    // The committed item starts at the padded onset.
    const dropMs = Math.max(0, audioStartMs - this.bufferStartMs);
    this.buffer.keepLast(this.buffer.byteLength - Math.floor(dropMs * bytesPerMs(this.inputFormat) / 2) * 2);
    this.bufferStartMs = audioStartMs;
    const stream = this.startRecognition(itemId);
    if (stream) {
      // Recognition starts a little before the onset, not at the full prefix padding:
      // measured, more than ~200 ms of leading silence makes pocketsphinx drop first words.
      const prefix = this.vadSettings?.prefixPaddingMs ?? 0;
      const sttStartMs = Math.max(audioStartMs, audioStartMs + prefix - STT_LEAD_MS);
      const padSamples = Math.ceil(((this.clockMs() - sttStartMs) * this.sttRate) / 1000) - current.length;
      const before = concatPcm16(this.recent).subarray(Math.max(0, this.recentSamples - Math.max(0, padSamples)));
      stream.write(before);
      stream.write(current);
    }
  }

  private startRecognition(itemId: string): RecognitionStream | null {
    const stt = this.providers.stt;
    const u: Utterance = { itemId, stream: null, partial: '' };
    this.utterance = u;
    if (!stt) return null;
    u.stream = stt.start({
      ...this.grammar(),
      onPartial: (text) => this.partial(u, text),
    });
    return u.stream;
  }

  /** The grammar for what the caller may say now, chosen when their speech starts. */
  private grammar(): { grammar?: Grammar } {
    return this.brain && this.providers.grammarFor ? { grammar: this.providers.grammarFor(this.brain.listening(), this.vocabulary) } : {};
  }

  private get transcribing(): boolean {
    return this.input.transcription !== null && this.input.transcription !== undefined;
  }

  /** Partial hypotheses become deltas when they extend what was already sent. */
  private partial(u: Utterance, text: string): void {
    if (!this.transcribing || !text.startsWith(u.partial) || text === u.partial) return;
    this.emit(serverEvent('conversation.item.input_audio_transcription.delta', { item_id: u.itemId, content_index: 0, delta: text.slice(u.partial.length) }));
    u.partial = text;
  }

  private onSpeechStopped(audioEndMs: number): void {
    const u = this.utterance;
    if (!u) return;
    this.emit(serverEvent('input_audio_buffer.speech_stopped', { audio_end_ms: Math.round(audioEndMs), item_id: u.itemId }));
    this.turn.trySend('speech_stopped');
    this.utterance = null;
    const durationMs = audioEndMs - this.bufferStartMs;
    // Registered before the commit, so the commit hook knows this item is already being recognized.
    this.track(u, u.stream ? u.stream.end().then((t) => t.text) : Promise.resolve(null), durationMs);
    try {
      this.commit(u.itemId);
    } catch (err) {
      u.stream?.cancel();
      this.transcripts.delete(u.itemId);
      this.logger.debug({ err }, 'VAD turn too short to commit');
      return;
    }
    this.bufferStartMs = this.clockMs();
    const td = this.turnDetection as { create_response?: boolean } | null;
    if ((td?.create_response ?? true) && !this.responder.activeResponseId) this.responder.create({});
  }

  /** Manual commits (push-to-talk): recognize the committed audio in one go. */
  protected override onCommitted(item: Item, audio: Buffer): void {
    if (!item.id || this.transcripts.has(item.id)) return;
    const stt = this.providers.stt;
    const u: Utterance = { itemId: item.id, stream: null, partial: '' };
    if (!stt) return this.track(u, Promise.resolve(null), 0);
    const stream = stt.start(this.grammar());
    const converter = new SttInput(this.inputFormat, this.sttRate);
    stream.write(converter.convert(audio));
    stream.write(converter.flush());
    this.track(u, stream.end().then((t) => t.text), audio.byteLength / bytesPerMs(this.inputFormat));
  }

  /** Records the transcript on the item and tells the client, as OpenAI's async transcription does. */
  private track(u: Utterance, pending: Promise<string | null>, durationMs: number): void {
    const itemId = u.itemId;
    const settled = pending.then(
      (text) => {
        const item = this.conversation.get(itemId);
        if (item?.type === 'message' && text !== null) {
          const content = item.content.map((p, i) => (i === 0 && p.type === 'input_audio' ? { ...p, transcript: text } : p));
          this.conversation.replace({ ...item, id: itemId, content } as Item & { id: string });
        }
        if (this.transcribing && text !== null) {
          if (text.startsWith(u.partial) && text.length > u.partial.length) this.partial(u, text);
          this.emit(serverEvent('conversation.item.input_audio_transcription.completed', { item_id: itemId, content_index: 0, transcript: text, usage: { type: 'duration', seconds: Math.round(durationMs) / 1000 } }));
        }
        return text;
      },
      (err: unknown) => {
        this.logger.warn({ err, item_id: itemId }, 'transcription failed');
        if (this.transcribing) {
          const e = err as { code?: string; message?: string };
          this.emit(serverEvent('conversation.item.input_audio_transcription.failed', { item_id: itemId, content_index: 0, error: { type: 'transcription_error', code: e.code ?? 'transcription_failed', message: e.message ?? String(err) } }));
        }
        return null;
      },
    );
    this.transcripts.set(itemId, settled);
  }

  private dropUtterance(): void {
    this.utterance?.stream?.cancel();
    this.utterance = null;
    this.vad?.reset();
  }

  protected override emit(event: ServerEvent): void {
    if (event.type === 'response.output_audio.delta') {
      const out = (this.session.audio as unknown as { output: { format: AudioFormat } }).output.format;
      this.playbackStartedAt ??= Date.now();
      this.lastResponseAudioMs += Buffer.byteLength(event.delta, 'base64') / bytesPerMs(out);
    }
    if (event.type === 'response.created' && event.response.conversation_id) {
      this.lastResponseAudioMs = 0;
      this.playbackStartedAt = null;
    }
    super.emit(event);
    if (event.type === 'response.done' && event.response.conversation_id) this.armIdleTimer();
  }

  /** idle_timeout_ms counts from when the caller has heard the whole answer. */
  private armIdleTimer(): void {
    this.clearIdleTimer();
    // A closing engine re-prompts nobody: the timer would keep it alive and speak to a closed session.
    if (this.closing) return;
    const idle = (this.turnDetection as { idle_timeout_ms?: number | null } | null)?.idle_timeout_ms;
    if (!idle) return;
    // Playback ends when all audio sent has been heard, which may be after response.done.
    const playbackEndsIn = this.playbackStartedAt === null ? 0 : Math.max(0, this.playbackStartedAt + this.lastResponseAudioMs - Date.now());
    this.idleTimer = setTimeout(() => this.onIdle(), idle + playbackEndsIn);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private onIdle(): void {
    this.idleTimer = null;
    if (this.closing || this.utterance || this.responder.activeResponseId) return;
    const now = Math.round(this.clockMs());
    this.emit(serverEvent('input_audio_buffer.timeout_triggered', { audio_start_ms: now, audio_end_ms: now, item_id: newId('item') }));
    this.idlePrompt = true;
    try {
      this.responder.create({});
    } catch (err) {
      this.idlePrompt = false;
      this.logger.debug({ err }, 'idle re-prompt not started');
    }
  }

  override async close(reason?: string): Promise<void> {
    this.closing = true;
    this.clearIdleTimer();
    this.dropUtterance();
    await super.close(reason);
  }
}
