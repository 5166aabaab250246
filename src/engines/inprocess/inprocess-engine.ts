import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { bytesPerMs } from '../../audio/formats.js';
import { Conversation } from '../../conversation/conversation.js';
import { serverEvent } from '../../conversation/events.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { newId } from '../../protocol/ids.js';
import type { AudioFormat, ClientEvent, ClientEventOf, Item, ServerEvent, SessionConfig } from '../../protocol/schemas/index.js';
import { createTurnMachine } from '../../state/turn-machine.js';
import type { Engine, EngineCloseListener, EngineContext, ServerEventListener } from '../engine.js';
import { InputAudioBuffer } from './input-buffer.js';
import type { Model } from './model.js';
import { RateWindow } from './rate-window.js';
import { Responder } from './responder.js';
import { applySessionUpdate } from './session-config.js';

/** Largest decoded audio in one `input_audio_buffer.append` (doc §3). */
export const MAX_APPEND_BYTES = 15 * 1024 * 1024;
const MIN_COMMIT_MS = 100;

/**
 * Realtime server semantics in-process: session config, the input audio
 * buffer, the conversation and responses, over a pluggable `Model`. The
 * local engine and test engines are this plus their providers.
 */
export class InProcessEngine implements Engine {
  readonly conversation: Conversation;
  readonly turn = createTurnMachine();
  protected session: SessionConfig;
  protected readonly buffer: InputAudioBuffer;
  protected readonly responder: Responder;
  protected readonly logger: Logger;
  private readonly emitter = new EventEmitter();
  private closed = false;

  constructor(
    readonly name: string,
    ctx: EngineContext,
    protected readonly model: Model,
  ) {
    this.session = ctx.session;
    this.logger = ctx.logger;
    this.conversation = new Conversation(
      { maxItems: ctx.limits.maxConversationItems, maxAudioBytes: ctx.limits.maxConversationAudioBytes },
      ctx.session.id.replace(/^sess_/, 'conv_'),
    );
    this.buffer = new InputAudioBuffer(ctx.limits.maxInputBufferBytes);
    this.responder = new Responder({
      emit: (e) => this.emit(e),
      conversation: this.conversation,
      model,
      session: () => this.session,
      turn: this.turn,
      requests: new RateWindow(ctx.limits.responsesPerMinute),
      tokens: new RateWindow(ctx.limits.tokensPerMinute),
      logger: ctx.logger,
    });
  }

  get config(): Readonly<SessionConfig> {
    return this.session;
  }

  protected get inputFormat(): AudioFormat {
    return (this.session.audio as unknown as { input: { format: AudioFormat } }).input.format;
  }

  start(): void {
    this.emit(serverEvent('session.created', { session: this.session }));
  }

  onEvent(listener: ServerEventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  onClose(listener: EngineCloseListener): () => void {
    this.emitter.on('close', listener);
    return () => this.emitter.off('close', listener);
  }

  protected emit(event: ServerEvent): void {
    if (!this.closed) this.emitter.emit('event', event);
  }

  protected emitError(err: ProtocolError, clientEventId: string | undefined): void {
    this.emit(
      serverEvent('error', {
        error: { type: err.type, code: err.code, message: err.message, param: err.param, event_id: clientEventId ?? null },
      }),
    );
  }

  send(event: ClientEvent): void {
    if (this.closed) return;
    try {
      this.handle(event);
    } catch (err) {
      if (err instanceof ProtocolError) this.emitError(err, event.event_id);
      else {
        this.logger.error({ err, type: event.type }, 'engine failed to handle a client event');
        this.emitError(new ProtocolError(ErrorCode.engineError, 'The server failed to process this event; it was not applied. Retry it, or report the problem if it persists.', null, 'server_error'), event.event_id);
      }
    }
  }

  protected handle(event: ClientEvent): void {
    switch (event.type) {
      case 'session.update':
        this.session = applySessionUpdate(this.session, event.session, { audioProduced: this.responder.audioProduced });
        this.emit(serverEvent('session.updated', { session: this.session }));
        return;
      case 'input_audio_buffer.append':
        return this.append(event);
      case 'input_audio_buffer.commit':
        this.commit();
        return;
      case 'input_audio_buffer.clear':
        this.buffer.clear();
        this.turn.trySend('clear');
        this.emit(serverEvent('input_audio_buffer.cleared', {}));
        return;
      case 'output_audio_buffer.clear':
        throw new ProtocolError(
          ErrorCode.unsupported,
          'output_audio_buffer.clear is only available over WebRTC and SIP. Over WebSocket, stop playback in the client and send conversation.item.truncate.',
          'type',
        );
      case 'conversation.item.create':
        return this.createItem(event);
      case 'conversation.item.retrieve':
        this.emit(serverEvent('conversation.item.retrieved', { item: this.withAudio(this.conversation.require(event.item_id)) }));
        return;
      case 'conversation.item.truncate':
        this.conversation.truncate(event.item_id, event.content_index, event.audio_end_ms);
        this.emit(serverEvent('conversation.item.truncated', { item_id: event.item_id, content_index: event.content_index, audio_end_ms: event.audio_end_ms }));
        return;
      case 'conversation.item.delete':
        this.conversation.delete(event.item_id);
        this.emit(serverEvent('conversation.item.deleted', { item_id: event.item_id }));
        return;
      case 'response.create':
        this.responder.create(event.response ?? {});
        return;
      case 'response.cancel':
        this.responder.cancel(event.response_id);
        return;
    }
  }

  protected append(event: ClientEventOf<'input_audio_buffer.append'>): void {
    if (event.audio.length > Math.ceil(MAX_APPEND_BYTES / 3) * 4) {
      throw new ProtocolError(ErrorCode.audioTooLarge, `Audio in one input_audio_buffer.append may be at most 15 MiB once decoded; split it into smaller appends.`, 'audio');
    }
    // The base64 alphabet was checked when the event was validated (Base64Schema).
    const bytes = Buffer.from(event.audio, 'base64');
    if (this.inputFormat.type === 'audio/pcm' && bytes.byteLength % 2 !== 0) {
      throw new ProtocolError(ErrorCode.invalidValue, 'PCM16 audio must contain whole 16-bit samples (an even number of bytes).', 'audio');
    }
    this.buffer.append(bytes);
    this.onAudio(bytes);
  }

  /** Hook for engines that listen to audio as it arrives (VAD). */
  protected onAudio(_bytes: Buffer): void {}

  /** Commits the input buffer as a user audio item; returns its id. */
  protected commit(itemId: string = newId('item')): string {
    const perMs = bytesPerMs(this.inputFormat);
    const ms = this.buffer.byteLength / perMs;
    if (ms < MIN_COMMIT_MS) {
      throw new ProtocolError(
        ErrorCode.commitEmpty,
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
        null,
      );
    }
    const audio = this.buffer.take();
    const item = { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio' }] } as Item & { id: string };
    const previous = this.conversation.insert(item);
    this.conversation.appendAudio(itemId, 0, audio, perMs);
    this.turn.trySend('commit');
    this.emit(serverEvent('input_audio_buffer.committed', { item_id: itemId, previous_item_id: previous }));
    this.emit(serverEvent('conversation.item.added', { item, previous_item_id: previous }));
    this.emit(serverEvent('conversation.item.done', { item, previous_item_id: previous }));
    this.onCommitted(item, audio);
    return itemId;
  }

  /** Hook for engines that transcribe committed audio. */
  protected onCommitted(_item: Item, _audio: Buffer): void {}

  private createItem(event: ClientEventOf<'conversation.item.create'>): void {
    const raw = event.item as Item;
    if (raw.type === 'function_call_output') {
      const known = this.conversation.items().some((i) => i.type === 'function_call' && i.call_id === raw.call_id);
      if (!known) {
        throw new ProtocolError(ErrorCode.invalidValue, `No function_call with call_id '${raw.call_id}' exists in the conversation; send the call_id from the function_call item.`, 'item.call_id');
      }
    }
    if (raw.type === 'message' && raw.role === 'assistant' && raw.content.some((p) => 'audio' in p && p.audio)) {
      throw new ProtocolError(ErrorCode.invalidValue, 'Assistant messages cannot carry audio; send the transcript as output_text instead.', 'item.content');
    }
    const item = { ...raw, id: raw.id ?? newId('item'), object: 'realtime.item', status: 'completed' } as Item & { id: string };
    const previous = this.conversation.insert(item, event.previous_item_id);
    if (item.type === 'message') {
      item.content.forEach((part, i) => {
        if (part.type === 'input_audio' && part.audio) {
          this.conversation.appendAudio(item.id, i, Buffer.from(part.audio, 'base64'), bytesPerMs(this.inputFormat));
          delete (part as { audio?: string }).audio;
        }
      });
    }
    this.emit(serverEvent('conversation.item.added', { item, previous_item_id: previous }));
    this.emit(serverEvent('conversation.item.done', { item, previous_item_id: previous }));
  }

  /** The item with its audio bytes attached, for `conversation.item.retrieved`. */
  private withAudio(item: Item): Item {
    if (item.type !== 'message' || !item.id) return item;
    const id = item.id;
    const content = item.content.map((part, i) => {
      if (part.type !== 'input_audio' && part.type !== 'output_audio') return part;
      const bytes = this.conversation.track(id, i)?.bytes();
      return bytes ? { ...part, audio: bytes.toString('base64') } : part;
    });
    return { ...item, content } as Item;
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    this.responder.cancelAll();
    this.closed = true;
    await this.responder.idle();
    this.emitter.emit('close', { code: 'closed', reason });
    this.emitter.removeAllListeners();
  }
}
