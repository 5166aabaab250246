import type { Logger } from 'pino';
import { callerContextText, type CallerContext } from '../conversation/caller-context.js';
import { serverEvent } from '../conversation/events.js';
import { sayInConversation, sayResponse, verbatimWords } from '../conversation/say.js';
import type { Engine, EngineCloseListener, ServerEventListener } from '../engines/engine.js';
import { EngineListeners } from '../engines/engine-listeners.js';
import type { ClientEvent, FunctionTool, Item, ServerEvent } from '../protocol/schemas/index.js';
import { newId } from '../protocol/ids.js';
import type { ContextSummarizer } from './context-summary.js';
import { ContextWindow, windowItemText } from './context-window.js';
import type { SessionAudioRecorder } from './audio-recorder.js';
import { ResponseQueue } from './response-queue.js';
import type { SessionRecorder } from './session-recorder.js';
import { TurnLatencyTracker } from './turn-latency.js';

export interface ToolCall {
  callId: string;
  name: string;
  arguments: string;
}

export interface ToolOutcome {
  /** JSON text for the `function_call_output` item. */
  output: string;
  error: { code: string; message: string } | null;
  latencyMs: number;
  /** What the session should do after this call. */
  action?: { action: 'end_call' | 'transfer'; reason?: string };
}

/** Runs server-side tools; exactly once per call id is its promise. */
export interface ToolExecutor {
  handles(name: string): boolean;
  run(call: ToolCall, hooks: { onSlow: () => void }): Promise<ToolOutcome>;
}

export interface AgentRuntimeLimits {
  /** 0 = no cap. */
  maxDurationMs: number;
  /** 0 = no cap. */
  budgetUsd: number;
  /** Consecutive idle re-prompts after which the session ends politely (0 = never). */
  idleEndAfterPrompts: number;
}

export interface AgentRuntimeInit {
  engine: Engine;
  sessionId: string;
  tools: ToolExecutor;
  /** The agent's server-side tools, kept in `session.tools` whatever the client sends. */
  serverTools: readonly FunctionTool[];
  recorder: SessionRecorder | null;
  callerContext: CallerContext | null;
  /**
   * The agent speaks first: these words, verbatim, to a caller it does not know; a caller it
   * remembers (callerContext) gets the engine's own greeting, which can use what it remembers.
   */
  greeting: string | null;
  /** A resumed session's conversation so far (from its record), put back before anything else happens. */
  seed?: readonly Item[];
  limits: AgentRuntimeLimits;
  filler: string;
  logger: Logger;
  /** How long after a goodbye the session ends (the caller hears it out). */
  hangupDelayMs?: number;
  /** The session's audio, for agents with `recording: true`. */
  audio?: SessionAudioRecorder;
  /** Keeps the engine's context within `maxTokens` by summarising old turns; absent = never. */
  context?: { maxTokens: number; summarizer: ContextSummarizer };
  /** Last step of `close`, after every record is flushed (writes the session's end). */
  onClosed?: (reason: string) => Promise<void>;
}

/** Reasons the agent ends a session for: the call is over, so a reconnect may not resume it. */
export const AGENT_END_REASONS: ReadonlySet<string> = new Set(['end_call', 'transfer', 'max_duration', 'budget', 'idle_timeout', 'shutdown']);

const GOODBYE_AT_LIMIT = "I'm sorry, we've reached the limit for this call. Thank you for calling, goodbye!";
const GOODBYE_IDLE = "It seems you've stepped away. I'll end the call now. Goodbye!";
const GOODBYE_SHUTDOWN = "I'm sorry, I have to end our call now for maintenance. Please call again in a moment. Goodbye!";

/**
 * The agent runtime, as an engine around an engine: the transport talks to it exactly as to
 * any engine. It runs server-side tools when the model calls them (arguments validated,
 * a filler when one is slow, every call id answered once — also when the caller interrupts
 * or leaves), lets the client answer only its own tools, keeps the agent's tools in the
 * session, injects what is remembered about the caller, records the session, measures each
 * turn, and ends the session at a goodbye or a limit.
 */
export class AgentRuntime implements Engine {
  readonly name: string;
  private readonly out = new EngineListeners();
  private readonly queue: ResponseQueue;
  private readonly latency: TurnLatencyTracker;
  /** Call ids the server runs: the client may not answer them. */
  private readonly serverCalls = new Map<string, Promise<void>>();
  /** Items the runtime itself asked to retrieve (their `retrieved` event is not the client's). */
  private readonly ownRetrievals = new Set<string>();
  private readonly window = new ContextWindow();
  /** Fillers being spoken: the caller talking over one stops it (it is out of band, so turn detection does not). */
  private readonly fillers = new Set<string>();
  private compacting = false;
  private idlePrompts = 0;
  private ending = false;
  private closed = false;
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly init: AgentRuntimeInit) {
    this.name = init.engine.name;
    this.queue = new ResponseQueue((e) => init.engine.send(e as ClientEvent));
    this.latency = new TurnLatencyTracker((t) => init.recorder?.turn(t));
    init.engine.onEvent((e) => this.fromEngine(e));
    init.engine.onClose((info) => this.closeWith(info));
  }

  start(): void {
    this.init.engine.start();
    const ctx = this.init.callerContext;
    if (ctx) {
      // Before any caller audio: the engine answers knowing who is calling.
      this.init.engine.send({ type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: callerContextText(ctx) }] } } as ClientEvent);
    }
    for (const item of this.init.seed ?? []) this.init.engine.send({ type: 'conversation.item.create', item } as ClientEvent);
    // The line dropped after the caller's turn (or a tool's result) and before the answer was heard: answer it now.
    const last = this.init.seed?.at(-1);
    if (last && (last.type === 'function_call_output' || (last.type === 'message' && last.role === 'user'))) this.queue.request();
    const { greeting } = this.init;
    if (greeting) this.queue.request(ctx ? undefined : sayInConversation(greeting));
    if (this.init.limits.maxDurationMs > 0) this.after(this.init.limits.maxDurationMs, () => this.endPolitely(GOODBYE_AT_LIMIT, 'max_duration'));
  }

  send(event: ClientEvent): void {
    if (this.closed) return;
    this.init.audio?.fromClient(event);
    if (event.type === 'conversation.item.create' && event.item.type === 'function_call_output' && this.serverCalls.has(event.item.call_id)) {
      return this.emit(
        serverEvent('error', {
          error: { type: 'invalid_request_error', code: 'tool_call_handled_by_server', message: `The call ${event.item.call_id} is to a server-side tool; Parley answers it. Only answer calls to your own (client-side) tools.`, param: 'item.call_id', event_id: event.event_id ?? null },
        }),
      );
    }
    if (event.type === 'session.update' && event.session.type === 'realtime' && Array.isArray(event.session.tools)) {
      // Client tools join the agent's server tools; the agent's own cannot be removed or replaced.
      const server = new Set(this.init.serverTools.map((t) => t.name));
      const mine = event.session.tools.filter((t) => !('name' in t) || !server.has(t.name as string));
      return this.init.engine.send({ ...event, session: { ...event.session, tools: [...this.init.serverTools, ...mine] } } as ClientEvent);
    }
    this.init.engine.send(event);
  }

  onEvent(listener: ServerEventListener): () => void {
    return this.out.onEvent(listener);
  }

  onClose(listener: EngineCloseListener): () => void {
    return this.out.onClose(listener);
  }

  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.queue.clear();
    this.latency.flush();
    // Tools already running finish and are recorded: the call id is answered once, even now.
    await Promise.allSettled([...this.serverCalls.values()]);
    await this.init.engine.close(reason);
    await Promise.all([this.init.recorder?.flush(), this.init.audio?.close().catch((err: unknown) => this.init.logger.error({ err }, 'could not finish the recording'))]);
    await this.init.onClosed?.(reason ?? 'closed').catch((err: unknown) => this.init.logger.error({ err }, 'could not close the session record'));
  }

  private fromEngine(e: ServerEvent): void {
    this.queue.observe(e);
    this.window.observe(e);
    this.init.audio?.fromEngine(e);
    this.latency.observe(e);
    this.init.recorder?.observe(e);
    switch (e.type) {
      case 'response.done':
        this.fillers.delete(e.response.id ?? '');
        this.afterResponse(e);
        break;
      case 'conversation.item.truncated':
        this.ownRetrievals.add(e.item_id);
        this.init.engine.send({ type: 'conversation.item.retrieve', item_id: e.item_id } as ClientEvent);
        break;
      case 'conversation.item.retrieved':
        if (this.ownRetrievals.delete(e.item.id ?? '')) return this.init.recorder?.truncated(e.item);
        break;
      case 'input_audio_buffer.speech_started':
        this.idlePrompts = 0;
        for (const id of this.fillers) this.init.engine.send({ type: 'response.cancel', response_id: id } as ClientEvent);
        break;
      case 'response.created':
        if (verbatimWords(e.response.metadata ?? null) === this.init.filler && e.response.id) this.fillers.add(e.response.id);
        break;
      case 'input_audio_buffer.timeout_triggered':
        this.idlePrompts++;
        if (this.init.limits.idleEndAfterPrompts > 0 && this.idlePrompts > this.init.limits.idleEndAfterPrompts) this.endPolitely(GOODBYE_IDLE, 'idle_timeout');
        break;
      default:
    }
    this.emit(e);
  }

  private afterResponse(e: Extract<ServerEvent, { type: 'response.done' }>): void {
    const rec = this.init.recorder;
    if (rec && this.init.limits.budgetUsd > 0 && rec.cost >= this.init.limits.budgetUsd) this.endPolitely(GOODBYE_AT_LIMIT, 'budget');
    if (e.response.status !== 'completed') return;
    const calls = (e.response.output ?? []).filter((i): i is Extract<Item, { type: 'function_call' }> => i.type === 'function_call' && this.init.tools.handles(i.name));
    if (calls.length === 0) {
      const max = this.init.context?.maxTokens ?? 0;
      if (max > 0 && (e.response.usage?.input_tokens ?? 0) > max) void this.compact(max);
      return;
    }
    const outcomes = calls.map((c) => this.runTool({ callId: c.call_id, name: c.name, arguments: c.arguments }));
    void Promise.all(outcomes).then((results) => {
      if (this.closed) return;
      const action = results.find((r) => r?.action)?.action;
      if (action?.action === 'end_call') return this.hangUp('end_call');
      // The agent has said so; the transport carries it out (a phone call is connected on), others just end.
      if (action?.action === 'transfer') return this.hangUp('transfer');
      this.queue.request();
    });
  }

  private runTool(call: ToolCall): Promise<ToolOutcome | null> {
    const existing = this.serverCalls.get(call.callId);
    if (existing) return existing.then(() => null);
    let outcome: ToolOutcome | null = null;
    const p = this.init.tools
      .run(call, { onSlow: () => !this.closed && this.queue.request(sayResponse(this.init.filler)) })
      .then((o) => {
        outcome = o;
        this.latency.addToolTime(o.latencyMs);
        this.init.recorder?.toolCall({ callId: call.callId, name: call.name, arguments: safeJson(call.arguments), output: safeJson(o.output), error: o.error?.code ?? null, latencyMs: o.latencyMs });
        if (!this.closed) this.init.engine.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.callId, output: o.output } } as ClientEvent);
      })
      .catch((err: unknown) => this.init.logger.error({ err, call_id: call.callId }, 'tool dispatch failed'));
    this.serverCalls.set(call.callId, p);
    return p.then(() => outcome);
  }

  /**
   * Summarises the oldest turns into one system item and deletes them from the engine's
   * context, so the context (and the cost of each response) stops growing with the call. The
   * newest turns, about half the budget, stay verbatim.
   */
  private async compact(maxTokens: number): Promise<void> {
    const ctx = this.init.context;
    const plan = ctx && !this.compacting ? this.window.plan(Math.floor(maxTokens / 2)) : null;
    if (!ctx || !plan) return;
    this.compacting = true;
    try {
      const summary = await ctx.summarizer.summarize(plan.previousSummary ? windowItemText(plan.previousSummary) : null, plan.removed);
      if (this.closed) return;
      const id = newId('item');
      this.window.markSummary(id);
      this.init.engine.send({ type: 'conversation.item.create', previous_item_id: plan.after, item: { id, type: 'message', role: 'system', content: [{ type: 'input_text', text: summary }] } } as ClientEvent);
      const gone = [...(plan.previousSummary ? [plan.previousSummary] : []), ...plan.removed];
      // Only what is still there: the client may have deleted items itself meanwhile.
      for (const w of gone) if (this.window.has(w.id)) this.init.engine.send({ type: 'conversation.item.delete', item_id: w.id } as ClientEvent);
      this.init.logger.info({ session_id: this.init.sessionId, removed_items: plan.removed.length, summary_chars: summary.length }, 'older turns summarised');
    } catch (err) {
      this.init.logger.warn({ err }, 'could not summarise older turns; the context keeps them');
    } finally {
      this.compacting = false;
    }
  }

  /** Says goodbye out of band, then ends the session. */
  sayGoodbye(why: 'shutdown'): void {
    this.endPolitely(GOODBYE_SHUTDOWN, why);
  }

  private endPolitely(words: string, reason: string): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    this.init.logger.info({ session_id: this.init.sessionId, reason }, 'ending the session');
    this.init.engine.send({ type: 'response.cancel' } as ClientEvent);
    this.queue.clear();
    this.queue.request(sayResponse(words));
    const off = this.onEvent((ev) => {
      if (ev.type === 'response.done' && verbatimWords(ev.response.metadata ?? null) === words) {
        off();
        this.hangUp(reason);
      }
    });
    // Whatever happens to that goodbye, the session ends.
    this.after(15_000, () => this.hangUp(reason));
  }

  private hangUp(reason: string): void {
    this.ending = true;
    this.after(this.init.hangupDelayMs ?? 1500, () => this.closeWith({ code: 'session_completed', reason }));
  }

  private closeWith(info: { code: string; reason: string }): void {
    if (this.closed) return;
    this.out.close(info);
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  private emit(e: ServerEvent): void {
    this.out.emit(e);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
