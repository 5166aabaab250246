import { setTimeout as sleep } from 'node:timers/promises';
import { FormatEncoder } from '../../../audio/formats.js';
import type { FunctionCallWriter, MessageWriter } from '../../../conversation/response-writer.js';
import { outputAudioTokens } from '../../../conversation/usage.js';
import type { AudioFormat } from '../../../protocol/schemas/index.js';
import type { Model, ModelOutput, ModelRequest, ModelResult } from '../../inprocess/model.js';
import type { SpeechSynthesizer } from '../providers.js';
import type { ChatConfig } from './config.js';
import { toChatMessages, toChatToolChoice, toChatTools, toRealtimeUsage, type ChatMessage, type ChatUsage } from './chat-messages.js';
import { NetworkProviderError } from './errors.js';
import { EndpointClient, RequestControl, type NetworkLogger } from './http.js';
import { SentenceSplitter } from './sentences.js';
import { SseParser } from './sse.js';

export interface ChatCompletionsModelDeps {
  /** Speaks the answer in audio responses; without one, audio responses carry the transcript only. */
  tts?: SpeechSynthesizer | null;
  /** Transcript of a user audio item still being recognized (the local engine passes its own). */
  transcriptOf?: (itemId: string) => Promise<string | null>;
  /** True once, right after an idle timeout asked for a re-prompt (the local engine passes its own). */
  takeIdlePrompt?: () => string | null;
  /** How far speech may run ahead of real time (default 1000 ms), so barge-in cancels real work. */
  leadMs?: number;
  /** Extra fields for every request body (`temperature`, `max_completion_tokens`, `reasoning_effort`, …). */
  extraBody?: Record<string, unknown>;
  logger?: NetworkLogger;
}

/** The model words the re-prompt itself, in the conversation's language, after the agent's example. */
export const idleNudge = (prompt: string): string =>
  `The caller has been silent for a while. In one short sentence, ask whether they are still there and what you can help with, as in: "${prompt}"`;

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatChunk {
  choices?: Array<{ index?: number; delta?: { content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] | null }; finish_reason?: string | null }>;
  usage?: ChatUsage | null;
  error?: unknown;
}

/** A non-streamed completion, for servers that ignore `stream: true`. */
interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null; refusal?: string | null; tool_calls?: ToolCallDelta[] | null }; finish_reason?: string | null }>;
  usage?: ChatUsage | null;
}

/**
 * A real LLM as the brain: any OpenAI-compatible `POST /chat/completions`
 * (OpenAI, vLLM, llama.cpp's server, Ollama, LM Studio…), streamed. The
 * Realtime context, instructions and function tools become chat messages and
 * tools; text deltas become the response's message (spoken sentence by
 * sentence while the rest streams in, when the response is audio and a
 * synthesizer is given); tool call deltas become function calls, in order of
 * their index; the final usage chunk becomes the response's usage. Aborting
 * `signal` closes the HTTP connection; failures throw (a failed response).
 */
export class ChatCompletionsModel implements Model {
  readonly name: string;
  private readonly client: EndpointClient;

  constructor(
    private readonly config: ChatConfig,
    private readonly deps: ChatCompletionsModelDeps = {},
  ) {
    this.client = new EndpointClient('llm', config, deps.logger);
    this.name = `chat-completions:${config.model}`;
  }

  /** The request body for one response (exported for tests and debugging). */
  async requestBody(req: ModelRequest): Promise<Record<string, unknown>> {
    const messages: ChatMessage[] = await toChatMessages(req.instructions, req.context, this.deps.transcriptOf ? { transcriptOf: this.deps.transcriptOf } : {});
    const idlePrompt = this.deps.takeIdlePrompt?.();
    if (idlePrompt) messages.push({ role: 'system', content: idleNudge(idlePrompt) });
    const tools = toChatTools(req.tools);
    const choice = tools.length > 0 ? toChatToolChoice(req.toolChoice) : undefined;
    return {
      model: this.config.model,
      messages,
      ...(tools.length > 0 ? { tools } : {}),
      ...(choice === undefined ? {} : { tool_choice: choice }),
      ...this.deps.extraBody,
      stream: true,
      stream_options: { include_usage: true },
    };
  }

  async respond(req: ModelRequest, out: ModelOutput, signal: AbortSignal): Promise<ModelResult> {
    if (signal.aborted) return {};
    const body = JSON.stringify(await this.requestBody(req));
    const control = new RequestControl(this.client.timeoutMs, signal);
    // Stops speech still being made when the response fails (or is aborted): its own signal, linked to the caller's.
    const writing = new AbortController();
    const stopWriting = (): void => writing.abort();
    signal.addEventListener('abort', stopWriting, { once: true });
    const tts = this.deps.tts ?? null;
    const speed = (req.session.audio as unknown as { output?: { speed?: number } } | undefined)?.output?.speed ?? 1;
    const answer = new AnswerWriter(out, writing.signal, tts ? { tts, voice: req.voice, speed, format: req.outputFormat, leadMs: this.deps.leadMs ?? 1000, onError: () => control.cancel() } : null);
    let usage: ChatUsage | null;
    try {
      if (signal.aborted) return {};
      const res = await this.client.post('/chat/completions', body, control, 'application/json');
      if (!res.body) throw this.client.badResponse('the response has no body');
      if ((res.headers.get('content-type') ?? '').includes('application/json')) {
        usage = await this.readCompletion(res, answer, control);
      } else {
        usage = await this.readStream(res.body, answer, control, signal);
      }
      control.disarm();
      if (signal.aborted) return {};
      await answer.finish();
    } catch (err) {
      if (answer.speechError) throw answer.speechError;
      if (signal.aborted) return {};
      throw err instanceof NetworkProviderError ? err : this.client.failure(err, control, 'while streaming the answer');
    } finally {
      control.dispose();
      signal.removeEventListener('abort', stopWriting);
      writing.abort();
    }
    if (signal.aborted || !usage) return {};
    return { usage: toRealtimeUsage(usage, outputAudioTokens(answer.audioMs)) };
  }

  private async readStream(stream: ReadableStream<Uint8Array>, answer: AnswerWriter, control: RequestControl, signal: AbortSignal): Promise<ChatUsage | null> {
    const reader = stream.getReader();
    const parser = new SseParser();
    let usage: ChatUsage | null = null;
    let finished = false;
    const handle = (data: string): boolean => {
      if (data.trim() === '[DONE]') return true;
      let chunk: ChatChunk;
      try {
        chunk = JSON.parse(data) as ChatChunk;
      } catch {
        throw this.client.badResponse(`a stream event is not JSON: ${JSON.stringify(data.slice(0, 120))}`);
      }
      if (chunk.error !== undefined && chunk.error !== null) {
        const e = chunk.error as { message?: unknown };
        const message = typeof e === 'string' ? e : typeof e.message === 'string' ? e.message : JSON.stringify(e).slice(0, 300);
        throw new NetworkProviderError('llm', 'stream_error', `chat completions stream failed: ${this.client.redact(message)}`);
      }
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = choice.delta ?? {};
        if (typeof delta.content === 'string') answer.text(delta.content);
        if (typeof delta.refusal === 'string') answer.text(delta.refusal);
        delta.tool_calls?.forEach((tc, i) => answer.toolCall(tc, i));
        if (choice.finish_reason) finished = true;
      }
      return false;
    };
    for (;;) {
      control.arm();
      const { done, value } = await reader.read();
      if (signal.aborted) return null;
      const events = done ? parser.end() : parser.push(value);
      for (const data of events) if (handle(data)) return usage;
      if (done) break;
    }
    // Some servers end without [DONE]; an answer that said how it finished is complete.
    if (!finished) throw this.client.badResponse('the stream ended before the answer was finished (no finish_reason, no [DONE])');
    return usage;
  }

  private async readCompletion(res: Response, answer: AnswerWriter, control: RequestControl): Promise<ChatUsage | null> {
    let json: ChatCompletion;
    try {
      json = JSON.parse(await res.text()) as ChatCompletion;
    } catch (err) {
      if (control.timedOut || control.cancelled) throw err;
      throw this.client.badResponse('the completion is not JSON');
    }
    const message = json.choices?.[0]?.message;
    if (!message) throw this.client.badResponse('the completion has no choices[0].message');
    if (typeof message.content === 'string') answer.text(message.content);
    if (typeof message.refusal === 'string') answer.text(message.refusal);
    message.tool_calls?.forEach((tc, i) => answer.toolCall({ ...tc, index: tc.index ?? i }, i));
    return json.usage ?? null;
  }
}

interface SpeakOptions {
  tts: SpeechSynthesizer;
  voice: string;
  speed: number;
  format: AudioFormat;
  leadMs: number;
  onError: (err: unknown) => void;
}

interface CallState {
  id: string | undefined;
  name: string;
  args: string[];
  writer: FunctionCallWriter | null;
  ended: boolean;
}

/**
 * Writes one streamed answer into the response, in the order the Realtime
 * protocol expects items: the message first, then the function calls. Text
 * responses (and audio ones without a synthesizer) write as the stream comes;
 * the message ends when the first tool call starts, and calls stream live. A
 * spoken answer keeps the calls until its speech is written, then replays them.
 */
class AnswerWriter {
  private message: MessageWriter | null = null;
  private speaker: Speaker | null = null;
  private readonly calls = new Map<number, CallState>();

  constructor(
    private readonly out: ModelOutput,
    private readonly signal: AbortSignal,
    private readonly speech: SpeakOptions | null,
  ) {}

  get speechError(): unknown {
    return this.speaker?.error ?? null;
  }

  get audioMs(): number {
    return this.speaker?.audioMs ?? 0;
  }

  text(delta: string): void {
    if (this.signal.aborted) return;
    if (!this.message) {
      delta = delta.trimStart(); // models often open with blank lines
      if (delta === '') return;
      this.endLiveCalls();
      this.message = this.out.message();
      if (this.message.audio && this.speech) this.speaker = new Speaker(this.message, this.speech, this.signal);
    }
    if (this.speaker) this.speaker.push(delta);
    else this.message.write(delta);
  }

  toolCall(delta: ToolCallDelta, position: number): void {
    if (this.signal.aborted) return;
    const index = delta.index ?? position;
    let call = this.calls.get(index);
    if (!call) {
      call = { id: undefined, name: '', args: [], writer: null, ended: false };
      this.calls.set(index, call);
    }
    if (delta.id && !call.id) call.id = delta.id;
    const name = delta.function?.name;
    // Some servers repeat the whole name in every delta; OpenAI sends it once.
    if (name && !call.writer && name !== call.name) call.name = name.startsWith(call.name) ? name : call.name + name;
    if (delta.function?.arguments) call.args.push(delta.function.arguments);
    if (!this.speaker) this.live(index, call);
  }

  /** Streams a call as it comes: the message before it is complete, so is any earlier call. */
  private live(index: number, call: CallState): void {
    if (this.message) {
      this.message.end();
      this.message = null;
    }
    for (const [i, other] of this.calls) if (i !== index && other.writer && !other.ended) this.end(other);
    if (!call.name) return;
    call.writer ??= this.out.functionCall(call.name, call.id);
    for (const piece of call.args) call.writer.writeArguments(piece);
    call.args = [];
  }

  private endLiveCalls(): void {
    for (const call of this.calls.values()) if (call.writer && !call.ended) this.end(call);
  }

  private end(call: CallState): void {
    call.ended = true;
    call.writer?.end();
  }

  /** After the stream: the speech is finished, the message ended, and the calls written in index order. */
  async finish(): Promise<void> {
    if (this.speaker) await this.speaker.finish();
    if (this.signal.aborted) return;
    this.message?.end();
    this.message = null;
    for (const [, call] of [...this.calls].sort(([a], [b]) => a - b)) {
      if (call.ended) continue;
      if (!call.name) throw new NetworkProviderError('llm', 'bad_response', 'the model streamed a tool call without a function name');
      call.writer ??= this.out.functionCall(call.name, call.id);
      for (const piece of call.args) call.writer.writeArguments(piece);
      call.args = [];
      this.end(call);
    }
  }
}

/**
 * Speaks a message's text sentence by sentence as it streams in: each
 * sentence is synthesized once complete, in order, with the audio written
 * together with the words it carries; at most `leadMs` ahead of real time.
 */
class Speaker {
  private readonly splitter = new SentenceSplitter();
  private chain: Promise<void> = Promise.resolve();
  private encoder: FormatEncoder | null = null;
  private encoderRate = 0;
  private started = 0;
  error: unknown = null;
  audioMs = 0;

  constructor(
    private readonly message: MessageWriter,
    private readonly o: SpeakOptions,
    private readonly signal: AbortSignal,
  ) {}

  push(delta: string): void {
    for (const sentence of this.splitter.push(delta)) this.enqueue(sentence);
  }

  /** Speaks what is left, waits for every sentence, and ends the message. */
  async finish(): Promise<void> {
    const rest = this.splitter.flush();
    if (rest !== '') this.enqueue(rest);
    await this.chain;
    if (this.error) throw this.error;
    if (this.signal.aborted) return;
    const tail = this.encoder?.flush();
    if (tail && tail.byteLength > 0) this.message.writeAudio(tail);
    this.message.end();
  }

  private enqueue(segment: string): void {
    this.chain = this.chain.then(async () => {
      if (this.error !== null || this.signal.aborted) return;
      try {
        await this.speak(segment);
      } catch (err) {
        if (this.signal.aborted) return;
        this.error = err;
        this.o.onError(err);
      }
    });
  }

  private async speak(segment: string): Promise<void> {
    const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(segment) ?? [];
    if (core === '') return this.message.write(segment);
    this.message.write(lead);
    let spoken = '';
    for await (const chunk of this.o.tts.synthesize(core, { voice: this.o.voice, speed: this.o.speed, signal: this.signal })) {
      if (this.signal.aborted) return;
      if (!this.encoder || this.encoderRate !== chunk.sampleRate) {
        const tail = this.encoder?.flush();
        if (tail && tail.byteLength > 0) this.message.writeAudio(tail);
        this.encoder = new FormatEncoder(chunk.sampleRate, this.o.format);
        this.encoderRate = chunk.sampleRate;
      }
      const bytes = this.encoder.encode(chunk.samples);
      if (bytes.byteLength > 0) this.message.writeAudio(bytes, chunk.text);
      else this.message.write(chunk.text);
      spoken += chunk.text;
      if (this.started === 0) this.started = performance.now();
      this.audioMs += (chunk.samples.length * 1000) / chunk.sampleRate;
      // Stay at most `leadMs` ahead of real-time playback, as a streaming model does.
      const ahead = this.audioMs - (performance.now() - this.started);
      if (ahead > this.o.leadMs) await sleep(ahead - this.o.leadMs, undefined, { signal: this.signal }).catch(() => undefined);
    }
    if (this.signal.aborted) return;
    // A synthesizer that said fewer words than it was given (punctuation only…): the transcript still gets them.
    if (spoken.length < core.length && core.startsWith(spoken)) this.message.write(core.slice(spoken.length));
    this.message.write(trail);
  }
}
