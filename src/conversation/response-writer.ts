import { bytesPerMs } from '../audio/formats.js';
import type { AudioFormat, Item, ResponseObject, Usage } from '../protocol/schemas/index.js';
import { newId } from '../protocol/ids.js';
import { createResponseMachine, type ResponseState } from '../state/response-machine.js';
import type { Conversation } from './conversation.js';
import { serverEvent, type EmitFn } from './events.js';
import { estimateTextTokens, outputAudioTokens } from './usage.js';

export type ResponseOutcome =
  | { status: 'completed' }
  | { status: 'cancelled'; reason: 'turn_detected' | 'client_cancelled' }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { status: 'failed'; error: { type: string; code: string; message: string } };

export interface ResponseWriterInit {
  emit: EmitFn;
  /** null for out-of-band responses (`conversation: "none"`): nothing is added to the conversation. */
  conversation: Conversation | null;
  response: ResponseObject;
  outputFormat: AudioFormat;
  /** Called when output passes the response's token budget. */
  onBudgetExceeded?: () => void;
}

interface OpenOutput {
  readonly itemId: string;
  close(status: 'completed' | 'incomplete'): void;
  readonly closed: boolean;
}

/**
 * Emits the exact Realtime event sequence of one response (doc §6 C/D):
 * created → output items with their parts and deltas → done. Cancelling
 * closes every open item as `incomplete`, so `response.done` always comes
 * last and always lists every output item.
 */
export class ResponseWriter {
  readonly machine = createResponseMachine();
  readonly outputs: Item[] = [];
  private readonly open: OpenOutput[] = [];
  outputTextTokens = 0;
  outputAudioMs = 0;

  constructor(private readonly init: ResponseWriterInit) {}

  get id(): string {
    return this.init.response.id;
  }

  get state(): ResponseState {
    return this.machine.state;
  }

  get response(): ResponseObject {
    return this.init.response;
  }

  get finished(): boolean {
    return this.machine.state !== 'created' && this.machine.state !== 'in_progress';
  }

  /** @internal used by item writers */
  emit: EmitFn = (e) => this.init.emit(e);

  start(): void {
    this.machine.send('start');
    this.emit(serverEvent('response.created', { response: { ...this.init.response, status: 'in_progress', output: [] } }));
  }

  /** An assistant message; audio modality unless the response asked for text only. */
  message(): MessageWriter {
    this.assertWritable();
    const audio = (this.init.response.output_modalities ?? ['audio']).includes('audio');
    const w = new MessageWriter(this, this.outputs.length, audio, this.init.conversation, bytesPerMs(this.init.outputFormat));
    this.open.push(w);
    return w;
  }

  functionCall(name: string, callId: string = newId('call')): FunctionCallWriter {
    this.assertWritable();
    const w = new FunctionCallWriter(this, this.outputs.length, name, callId, this.init.conversation);
    this.open.push(w);
    return w;
  }

  /** @internal */
  registerOutput(item: Item): void {
    this.outputs.push(item);
  }

  /** @internal */
  updateOutput(index: number, item: Item): void {
    this.outputs[index] = item;
  }

  /** @internal */
  countText(text: string): void {
    this.outputTextTokens += estimateTextTokens(text);
    this.checkBudget();
  }

  /** @internal */
  countAudio(ms: number): void {
    this.outputAudioMs += ms;
    this.checkBudget();
  }

  private checkBudget(): void {
    const max = this.init.response.max_output_tokens;
    if (typeof max !== 'number') return;
    if (this.outputTextTokens + outputAudioTokens(this.outputAudioMs) > max) this.init.onBudgetExceeded?.();
  }

  private assertWritable(): void {
    if (this.machine.state !== 'in_progress') throw new Error(`response ${this.id} is ${this.machine.state}; no more output can be written`);
  }

  /** Closes open items and emits `response.done`. Idempotent: a second call is ignored. */
  finish(outcome: ResponseOutcome, usage: Usage | null): ResponseObject | null {
    if (this.finished) return null;
    const itemStatus = outcome.status === 'completed' ? 'completed' : 'incomplete';
    for (const o of this.open) if (!o.closed) o.close(itemStatus);
    if (outcome.status === 'completed') this.machine.send('complete');
    else if (outcome.status === 'cancelled') this.machine.send('cancel');
    else if (outcome.status === 'incomplete') this.machine.send('truncate_output');
    else this.machine.send('fail');
    const status_details =
      outcome.status === 'completed'
        ? null
        : outcome.status === 'failed'
          ? { type: 'failed' as const, error: outcome.error }
          : { type: outcome.status, reason: outcome.reason };
    const response = { ...this.init.response, status: outcome.status, status_details, output: this.outputs, usage } as ResponseObject;
    this.emit(serverEvent('response.done', { response }));
    return response;
  }
}

abstract class ItemWriter implements OpenOutput {
  closed = false;
  readonly itemId = newId('item');
  protected previousItemId: string | null = null;

  constructor(
    protected readonly r: ResponseWriter,
    readonly outputIndex: number,
    protected readonly conversation: Conversation | null,
  ) {}

  protected begin(item: Item & { id: string }): void {
    this.r.registerOutput(item);
    this.r.emit(serverEvent('response.output_item.added', { response_id: this.r.id, output_index: this.outputIndex, item }));
    if (this.conversation) {
      this.previousItemId = this.conversation.insert(item);
      this.r.emit(serverEvent('conversation.item.added', { previous_item_id: this.previousItemId, item }));
    }
  }

  protected finalize(item: Item & { id: string }): void {
    this.closed = true;
    this.r.updateOutput(this.outputIndex, item);
    // The item may have been deleted by the client meanwhile; its final state is still reported.
    if (this.conversation?.has(item.id)) this.conversation.replace(item);
    this.r.emit(serverEvent('response.output_item.done', { response_id: this.r.id, output_index: this.outputIndex, item }));
    if (this.conversation) this.r.emit(serverEvent('conversation.item.done', { previous_item_id: this.previousItemId, item }));
  }

  abstract close(status: 'completed' | 'incomplete'): void;
}

export class MessageWriter extends ItemWriter {
  private text = '';

  constructor(
    r: ResponseWriter,
    outputIndex: number,
    readonly audio: boolean,
    conversation: Conversation | null,
    private readonly bytesPerMs: number,
  ) {
    super(r, outputIndex, conversation);
    this.begin({ id: this.itemId, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] } as Item & { id: string });
    this.r.emit(serverEvent('response.content_part.added', { ...this.ids(), part: this.part() }));
  }

  private ids() {
    return { response_id: this.r.id, item_id: this.itemId, output_index: this.outputIndex, content_index: 0 };
  }

  private part() {
    return this.audio ? { type: 'audio' as const, transcript: this.text } : { type: 'text' as const, text: this.text };
  }

  get transcript(): string {
    return this.text;
  }

  /** Text (text modality) or transcript (audio modality) without audio. */
  write(delta: string): void {
    if (this.closed || delta === '') return;
    this.text += delta;
    const type = this.audio ? 'response.output_audio_transcript.delta' : 'response.output_text.delta';
    this.r.emit(serverEvent(type, { ...this.ids(), delta }));
    this.r.countText(delta);
  }

  /** A chunk of speech in the output format, with the words it carries. */
  writeAudio(bytes: Uint8Array, transcriptDelta = ''): void {
    if (this.closed) return;
    if (!this.audio) throw new Error('this response is text-only; write text instead of audio');
    if (transcriptDelta) this.write(transcriptDelta);
    this.conversation?.appendAudio(this.itemId, 0, bytes, this.bytesPerMs, this.text.length);
    this.r.emit(serverEvent('response.output_audio.delta', { ...this.ids(), delta: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }));
    this.r.countAudio(bytes.byteLength / this.bytesPerMs);
  }

  close(status: 'completed' | 'incomplete'): void {
    if (this.closed) return;
    if (this.audio) {
      this.r.emit(serverEvent('response.output_audio.done', this.ids()));
      this.r.emit(serverEvent('response.output_audio_transcript.done', { ...this.ids(), transcript: this.text }));
    } else {
      this.r.emit(serverEvent('response.output_text.done', { ...this.ids(), text: this.text }));
    }
    this.r.emit(serverEvent('response.content_part.done', { ...this.ids(), part: this.part() }));
    const content = this.audio ? [{ type: 'output_audio', transcript: this.text }] : [{ type: 'output_text', text: this.text }];
    this.finalize({ id: this.itemId, object: 'realtime.item', type: 'message', role: 'assistant', status, content } as Item & { id: string });
  }

  end(): void {
    this.close('completed');
  }
}

export class FunctionCallWriter extends ItemWriter {
  private args = '';

  constructor(
    r: ResponseWriter,
    outputIndex: number,
    readonly name: string,
    readonly callId: string,
    conversation: Conversation | null,
  ) {
    super(r, outputIndex, conversation);
    this.begin(this.item('in_progress'));
  }

  private item(status: 'in_progress' | 'completed' | 'incomplete'): Item & { id: string } {
    return { id: this.itemId, object: 'realtime.item', type: 'function_call', status, name: this.name, call_id: this.callId, arguments: this.args } as Item & { id: string };
  }

  writeArguments(delta: string): void {
    if (this.closed || delta === '') return;
    this.args += delta;
    this.r.emit(serverEvent('response.function_call_arguments.delta', { response_id: this.r.id, item_id: this.itemId, output_index: this.outputIndex, call_id: this.callId, delta }));
    this.r.countText(delta);
  }

  close(status: 'completed' | 'incomplete'): void {
    if (this.closed) return;
    this.r.emit(
      serverEvent('response.function_call_arguments.done', {
        response_id: this.r.id,
        item_id: this.itemId,
        output_index: this.outputIndex,
        call_id: this.callId,
        name: this.name,
        arguments: this.args,
      }),
    );
    this.finalize(this.item(status));
  }

  end(): void {
    this.close('completed');
  }
}
