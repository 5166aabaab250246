import type { Logger } from 'pino';
import type { Conversation } from '../../conversation/conversation.js';
import { serverEvent, type EmitFn } from '../../conversation/events.js';
import { ResponseWriter, type ResponseOutcome } from '../../conversation/response-writer.js';
import { contextTokens, outputAudioTokens, toUsage } from '../../conversation/usage.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { newId } from '../../protocol/ids.js';
import type { AudioFormat, FunctionTool, Item, ResponseCreateParams, ResponseObject, SessionConfig, ToolChoice, Usage } from '../../protocol/schemas/index.js';
import type { StateMachine } from '../../state/machine.js';
import type { TurnEvent, TurnState } from '../../state/turn-machine.js';
import type { Model, ModelRequest } from './model.js';
import type { RateWindow } from './rate-window.js';

type AbortReason = 'turn_detected' | 'client_cancelled' | 'max_output_tokens';

interface Run {
  writer: ResponseWriter;
  abort: AbortController;
  reason: AbortReason | null;
  inConversation: boolean;
  context: readonly Item[];
  instructions: string;
}

export interface ResponderDeps {
  emit: EmitFn;
  conversation: Conversation;
  model: Model;
  session: () => SessionConfig;
  turn: StateMachine<TurnState, TurnEvent>;
  requests: RateWindow;
  tokens: RateWindow;
  logger: Logger;
}

/**
 * Runs responses: at most one writing to the conversation at a time (a second
 * `response.create` is refused with `conversation_already_has_active_response`,
 * as the protocol says), any number out-of-band, each cancellable.
 */
export class Responder {
  private active: Run | null = null;
  private readonly outOfBand = new Map<string, Run>();
  private readonly pending = new Set<Promise<void>>();
  /** True once any response has produced audio (voice is then fixed). */
  audioProduced = false;

  constructor(private readonly d: ResponderDeps) {}

  get activeResponseId(): string | null {
    return this.active?.writer.id ?? null;
  }

  create(params: ResponseCreateParams = {}): string {
    const inConversation = (params.conversation ?? 'auto') !== 'none';
    if (inConversation && this.active) {
      throw new ProtocolError(
        ErrorCode.activeResponse,
        `Conversation already has an active response in progress: ${this.active.writer.id}. Wait until the response is finished before creating a new one.`,
        null,
      );
    }
    if (!this.d.requests.tryTake(1)) {
      throw new ProtocolError(ErrorCode.rateLimited, `Rate limit reached: at most ${this.d.requests.limit} responses per minute; retry in ${Math.ceil(this.d.requests.resetSeconds())} s.`, null);
    }
    const session = this.d.session();
    const context = params.input ? this.resolveInput(params.input) : this.d.conversation.items();
    const audio = session.audio as unknown as { output: { voice: unknown; format: AudioFormat } };
    const paramAudio = (params.audio as { output?: { voice?: unknown; format?: AudioFormat } } | undefined)?.output;
    const voice = paramAudio?.voice ?? audio.output.voice;
    const outputFormat = paramAudio?.format ?? audio.output.format;
    const outputModalities = (params.output_modalities ?? session.output_modalities ?? ['audio']) as ('text' | 'audio')[];
    const response = {
      object: 'realtime.response',
      id: newId('resp'),
      status: 'in_progress',
      status_details: null,
      output: [],
      conversation_id: inConversation ? this.d.conversation.id : null,
      output_modalities: outputModalities,
      audio: { output: { format: outputFormat, voice } },
      max_output_tokens: params.max_output_tokens ?? session.max_output_tokens ?? 'inf',
      metadata: params.metadata ?? null,
      usage: null,
    } as unknown as ResponseObject;
    const abort = new AbortController();
    const run: Run = {
      writer: undefined as unknown as ResponseWriter,
      abort,
      reason: null,
      inConversation,
      context,
      instructions: params.instructions ?? session.instructions ?? '',
    };
    run.writer = new ResponseWriter({
      emit: this.d.emit,
      conversation: inConversation ? this.d.conversation : null,
      response,
      outputFormat,
      onBudgetExceeded: () => this.stop(run, 'max_output_tokens'),
    });
    if (inConversation) {
      this.active = run;
      this.d.turn.trySend('response_started');
    } else this.outOfBand.set(response.id, run);
    run.writer.start();
    const req: ModelRequest = {
      responseId: response.id,
      context,
      instructions: run.instructions,
      tools: (params.tools ?? session.tools ?? []).filter((t): t is FunctionTool => (t as { type: string }).type === 'function'),
      toolChoice: (params.tool_choice ?? session.tool_choice ?? 'auto') as ToolChoice,
      outputModalities,
      voice: typeof voice === 'string' ? voice : ((voice as { id?: string } | undefined)?.id ?? 'alloy'),
      outputFormat,
      session,
      metadata: (params.metadata as Record<string, string> | undefined) ?? null,
    };
    const p = this.execute(run, req).finally(() => this.pending.delete(p));
    this.pending.add(p);
    return response.id;
  }

  private resolveInput(input: NonNullable<ResponseCreateParams['input']>): Item[] {
    return input.map((entry, i) => {
      const e = entry as { type: string; id?: string };
      if (e.type === 'item_reference') return this.d.conversation.require(e.id ?? '', `response.input[${i}].id`);
      return { ...(entry as Item), id: e.id ?? newId('item') } as Item;
    });
  }

  private async execute(run: Run, req: ModelRequest): Promise<void> {
    let usage: Usage | undefined;
    let failure: ResponseOutcome | null = null;
    try {
      const result = await this.d.model.respond(req, run.writer, run.abort.signal);
      usage = result.usage;
    } catch (err) {
      if (!run.abort.signal.aborted) {
        this.d.logger.error({ err, response_id: run.writer.id }, 'model failed');
        failure = { status: 'failed', error: { type: 'server_error', code: ErrorCode.engineError, message: `The engine failed to produce a response: ${(err as Error).message}` } };
      }
    }
    // A cancelled run was already finished by stop(); this only completes live ones.
    this.settle(run, failure ?? { status: 'completed' }, usage);
  }

  private settle(run: Run, outcome: ResponseOutcome, usage?: Usage): void {
    if (run.writer.finished) return;
    if (run.writer.outputAudioMs > 0) this.audioProduced = true;
    const u = usage ?? this.estimate(run);
    // Free the conversation before response.done goes out: a listener may answer it with the next response.create at once.
    if (this.active === run) {
      this.active = null;
      this.d.turn.trySend(outcome.status === 'cancelled' && outcome.reason === 'turn_detected' ? 'interrupt' : 'response_done');
    }
    this.outOfBand.delete(run.writer.id);
    run.writer.finish(outcome, u);
    this.d.tokens.record(u.total_tokens ?? 0);
    this.d.emit(
      serverEvent('rate_limits.updated', {
        rate_limits: [
          { name: 'requests', limit: this.d.requests.limit, remaining: this.d.requests.remaining(), reset_seconds: round2(this.d.requests.resetSeconds()) },
          { name: 'tokens', limit: this.d.tokens.limit, remaining: this.d.tokens.remaining(), reset_seconds: round2(this.d.tokens.resetSeconds()) },
        ],
      }),
    );
  }

  private estimate(run: Run): Usage {
    const ctx = contextTokens(run.instructions, run.context, (id, ci) => this.d.conversation.track(id, ci)?.durationMs ?? 0);
    return toUsage({ ...ctx, outputText: run.writer.outputTextTokens, outputAudio: outputAudioTokens(run.writer.outputAudioMs) });
  }

  /** Stops a run now: its `response.done` goes out before this returns. */
  private stop(run: Run, reason: AbortReason): void {
    if (run.writer.finished) return;
    run.reason = reason;
    run.abort.abort(reason);
    const outcome: ResponseOutcome = reason === 'max_output_tokens' ? { status: 'incomplete', reason } : { status: 'cancelled', reason };
    this.settle(run, outcome);
  }

  /** `response.cancel`: the given response, or the conversation's active one. */
  cancel(responseId: string | undefined, reason: 'turn_detected' | 'client_cancelled' = 'client_cancelled'): ResponseObject {
    const run = responseId ? (this.active?.writer.id === responseId ? this.active : this.outOfBand.get(responseId)) : this.active;
    if (!run) {
      throw new ProtocolError(
        ErrorCode.cancelNotActive,
        responseId ? `Cannot cancel response ${responseId}: it is not in progress.` : 'Cancellation failed: no active response found.',
        responseId ? 'response_id' : null,
      );
    }
    this.stop(run, reason);
    return run.writer.response;
  }

  /** Cancels everything (session closing). */
  cancelAll(): void {
    if (this.active) this.stop(this.active, 'client_cancelled');
    for (const run of [...this.outOfBand.values()]) this.stop(run, 'client_cancelled');
  }

  /** Resolves once every running model call has returned. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
