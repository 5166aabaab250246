import type { BusinessError } from '../store/types.js';

/*
 * The vocabulary shared by tool handlers, the registry and the runner: what a call is, what
 * a handler gets and returns, and the result the session sends back as `function_call_output`.
 */

/** A function call as the model made it (`arguments` is the model's JSON text). */
export interface ToolCall {
  callId: string;
  name: string;
  arguments: string;
}

/** Something the session runtime must do after the tool's output is sent. */
export interface SessionAction {
  action: 'end_call' | 'transfer';
  reason: string;
}

/** Stable error codes (business rule codes come from the store). */
export type ToolErrorCode =
  | 'unknown_tool'
  | 'invalid_arguments'
  | 'tool_timeout'
  | 'tool_failed'
  | 'tool_unavailable'
  | 'webhook_http_error'
  | 'webhook_unreachable'
  | 'webhook_misconfigured'
  | BusinessError['code'];

export interface ToolErrorInfo {
  code: ToolErrorCode;
  /** Safe to show to the model and the caller: no stack, no secrets. */
  message: string;
}

/**
 * Per-session state handlers read and update. The session owns one object and passes it to
 * every call, so what one call learns (the caller's customer id) serves the next.
 */
export interface ToolContext {
  readonly sessionId: string;
  /** The caller's customer id once known; `lookup_customer` and `book_appointment` set it. */
  customerId?: string | null;
}

/** One side effect per call: engines promise call ids unique within a session, so the key names both. */
export const idempotencyKey = (sessionId: string, callId: string): string => `${sessionId}:${callId}`;

/** What the runner hands a handler besides its arguments. */
export interface ToolInvocation {
  callId: string;
  /** Side effects are keyed by this: the session and the call id (engines only promise call ids unique within a session). */
  idempotencyKey: string;
  /** Aborted when the runner gives up on the call (timeout): stop work, drop requests. */
  signal: AbortSignal;
}

/** What a handler returns; `output` becomes the JSON text of `function_call_output`. */
export interface ToolOutcome {
  output: unknown;
  error?: ToolErrorInfo | null;
  action?: SessionAction;
}

export type ToolHandler = (args: Record<string, unknown>, ctx: ToolContext, call: ToolInvocation) => Promise<ToolOutcome>;

export interface ToolResult {
  callId: string;
  name: string;
  /** JSON text for `function_call_output` ('' for client-side calls). */
  output: string;
  error: ToolErrorInfo | null;
  latencyMs: number;
  action?: SessionAction;
  /** Not executed here: the session forwards the call to the client. */
  clientSide?: true;
}

/** A failure a handler may throw on purpose: its code and message reach the model as they are. */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
