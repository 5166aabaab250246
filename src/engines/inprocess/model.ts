import type { AudioFormat, FunctionTool, Item, SessionConfig, ToolChoice, Usage } from '../../protocol/schemas/index.js';
import type { FunctionCallWriter, MessageWriter } from '../../conversation/response-writer.js';

/** What a model is asked for one response: the resolved context and the effective settings. */
export interface ModelRequest {
  responseId: string;
  context: readonly Item[];
  instructions: string;
  tools: readonly FunctionTool[];
  toolChoice: ToolChoice;
  outputModalities: readonly ('text' | 'audio')[];
  voice: string;
  outputFormat: AudioFormat;
  session: Readonly<SessionConfig>;
  metadata: Record<string, string> | null;
}

/** Where a model writes its output; each writer emits the protocol events itself. */
export interface ModelOutput {
  message(): MessageWriter;
  functionCall(name: string, callId?: string): FunctionCallWriter;
}

export interface ModelResult {
  /** Real counts when the model has them; estimated from the output otherwise. */
  usage?: Usage;
}

/**
 * The generative part of an in-process engine. `respond` streams into `out`
 * and must stop promptly when `signal` aborts (barge-in, cancel, budget).
 */
export interface Model {
  readonly name: string;
  respond(req: ModelRequest, out: ModelOutput, signal: AbortSignal): Promise<ModelResult>;
}
