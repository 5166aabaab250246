import { BusinessError } from '../store/types.js';
import { ToolError, type ToolErrorCode, type ToolOutcome } from './types.js';

/**
 * A failed call: the output carries `error` (what the model reads and the embedded brain
 * says) and `code`, plus any details such as alternative times.
 */
export function failure(code: ToolErrorCode, message: string, details: Record<string, unknown> = {}): ToolOutcome {
  return { output: { error: message, code, ...details }, error: { code, message } };
}

/**
 * A business rule said no. Free times go under `alternatives` and `available_times` both, so
 * models and the embedded brain offer them.
 */
export function businessFailure(e: BusinessError): ToolOutcome {
  const times = e.alternatives.length > 0 ? { alternatives: e.alternatives, available_times: e.alternatives } : {};
  return failure(e.code, e.message, times);
}

/** Errors meant for the model keep their message; anything else is an internal failure. */
export function knownFailure(e: unknown): ToolOutcome | null {
  if (e instanceof BusinessError) return businessFailure(e);
  if (e instanceof ToolError) return failure(e.code, e.message, e.details);
  return null;
}
