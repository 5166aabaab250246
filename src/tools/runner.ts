import { failure, knownFailure } from './outcome.js';
import type { ToolRegistry } from './registry.js';
import { idempotencyKey, type ToolCall, type ToolContext, type ToolOutcome, type ToolResult } from './types.js';
import { describeIssues } from './validate.js';

/*
 * Runs the model's function calls: checks name and arguments, runs the handler under a
 * timeout, and answers every call with an output the model can act on. A call id runs at most
 * once — a replayed or duplicated `response.function_call_arguments.done` gets the first
 * result and never books twice.
 */

export interface ToolRunnerOptions {
  /** Longest a tool may run before its call is answered with `tool_timeout` (default 10000). */
  timeoutMs?: number;
  /** When a call runs longer than this, `onSlow` fires once (default 1500). */
  fillerAfterMs?: number;
  /** The session makes the agent say a filler ("One moment, let me check that."). */
  onSlow?: (call: ToolCall) => void;
  /** Internal failures, with their stack, for the logs; the model only hears `tool_failed`. */
  onError?: (call: ToolCall, error: unknown) => void;
  /** Finished results kept for duplicate call ids: at most this many (default 1000)… */
  maxRemembered?: number;
  /** …and for at most this long (default 15 minutes). */
  rememberMs?: number;
  now?: () => number;
}

interface Entry {
  result: Promise<ToolResult>;
  finishedAt: number | null;
}

export class ToolRunner {
  private readonly calls = new Map<string, Entry>();
  private readonly timeoutMs: number;
  private readonly fillerAfterMs: number;
  private readonly maxRemembered: number;
  private readonly rememberMs: number;
  private readonly now: () => number;

  constructor(
    private readonly registry: ToolRegistry,
    private readonly opts: ToolRunnerOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fillerAfterMs = opts.fillerAfterMs ?? 1500;
    this.maxRemembered = opts.maxRemembered ?? 1000;
    this.rememberMs = opts.rememberMs ?? 15 * 60_000;
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * Never rejects: every failure is a result with `error` set. `hooks.onSlow` replaces the
   * runner's `onSlow` for this call.
   */
  run(call: ToolCall, ctx: ToolContext, hooks: { onSlow?: (call: ToolCall) => void } = {}): Promise<ToolResult> {
    const known = this.calls.get(call.callId);
    if (known) return known.result;
    this.forget();
    // The entry exists before the handler starts, so a duplicate arriving meanwhile joins it.
    let settle!: (r: ToolResult) => void;
    const entry: Entry = { result: new Promise<ToolResult>((resolve) => (settle = resolve)), finishedAt: null };
    this.calls.set(call.callId, entry);
    this.execute(call, ctx, hooks.onSlow ?? this.opts.onSlow)
      .catch((e: unknown) => this.result(call, this.now(), this.internalFailure(call, e)))
      .then((r) => {
        entry.finishedAt = this.now();
        settle(r);
      });
    return entry.result;
  }

  /** Is `name` a tool this runner executes (registered, not client-side)? */
  handles(name: string): boolean {
    return this.registry.get(name)?.execute !== undefined;
  }

  /** Has this call id been run (and is its result still remembered)? */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  private async execute(call: ToolCall, ctx: ToolContext, onSlow: ((call: ToolCall) => void) | undefined): Promise<ToolResult> {
    const started = this.now();
    const tool = this.registry.get(call.name);
    if (!tool) {
      const available = this.registry.names();
      return this.result(call, started, failure('unknown_tool', `unknown tool "${call.name}"; available: ${available.length > 0 ? available.join(', ') : 'none'}`));
    }
    const args = parseArguments(call.arguments);
    if (!args.ok) return this.result(call, started, failure('invalid_arguments', `the arguments of ${call.name} are not a JSON object (${args.reason}); send them as a JSON object`));
    const checked = tool.validate(args.value);
    if (!checked.ok) {
      return this.result(call, started, failure('invalid_arguments', `invalid arguments for ${call.name}: ${describeIssues(checked.issues)}`, { issues: checked.issues }));
    }
    const execute = tool.execute;
    if (!execute) return { callId: call.callId, name: call.name, output: '', error: null, latencyMs: 0, clientSide: true };
    return this.result(call, started, await this.withTimers(call, onSlow, (signal) => execute(checked.value, ctx, { callId: call.callId, idempotencyKey: idempotencyKey(ctx.sessionId, call.callId), signal })));
  }

  /** Runs `fn` under the timeout, firing `onSlow` if it outlasts `fillerAfterMs`. */
  private async withTimers(call: ToolCall, onSlow: ((call: ToolCall) => void) | undefined, fn: (signal: AbortSignal) => Promise<ToolOutcome>): Promise<ToolOutcome> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const slow = onSlow
      ? setTimeout(() => {
          try {
            onSlow(call);
          } catch (e) {
            this.opts.onError?.(call, e);
          }
        }, this.fillerAfterMs)
      : undefined;
    const timedOut = new Promise<ToolOutcome>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(failure('tool_timeout', `${call.name} did not finish within ${this.timeoutMs} ms and was stopped; it may or may not have taken effect`));
      }, this.timeoutMs);
    });
    // A handler that throws synchronously is a failure like one that rejects.
    const running = Promise.resolve()
      .then(() => fn(abort.signal))
      .catch((e: unknown) => this.internalFailure(call, e));
    try {
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timer);
      clearTimeout(slow);
    }
  }

  private internalFailure(call: ToolCall, e: unknown): ToolOutcome {
    const known = knownFailure(e);
    if (known) return known;
    this.opts.onError?.(call, e);
    return failure('tool_failed', `${call.name} failed with an internal error; it may not have taken effect. Tell the caller it could not be done right now`);
  }

  private result(call: ToolCall, started: number, outcome: ToolOutcome): ToolResult {
    let output: string;
    try {
      output = JSON.stringify(outcome.output ?? null);
    } catch (e) {
      return this.result(call, started, this.internalFailure(call, e));
    }
    return {
      callId: call.callId,
      name: call.name,
      output,
      error: outcome.error ?? null,
      latencyMs: Math.max(0, Math.round(this.now() - started)),
      ...(outcome.action ? { action: outcome.action } : {}),
    };
  }

  /** Drops finished results past their time, then the oldest beyond the count; running calls stay. */
  private forget(): void {
    const cutoff = this.now() - this.rememberMs;
    let finished = 0;
    for (const [id, e] of this.calls) {
      if (e.finishedAt === null) continue;
      if (e.finishedAt < cutoff) this.calls.delete(id);
      else finished++;
    }
    for (const [id, e] of this.calls) {
      if (finished < this.maxRemembered) break;
      if (e.finishedAt === null) continue;
      this.calls.delete(id);
      finished--;
    }
  }
}

function parseArguments(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  // Models send "" for a tool without parameters.
  if (text.trim() === '') return { ok: true, value: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, reason: `got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}` };
  return { ok: true, value: v as Record<string, unknown> };
}
