import type { RealtimeSessionUpdate } from '../protocol/schemas/session.js';
import type { ToolSpec } from '../tools/spec.js';
import type { Agent } from './schema.js';
import { toolDefinition, type FunctionToolDefinition } from '../tools/definition.js';
import { resolveTurnDetection } from './turn-detection.js';

export interface AgentSessionOptions {
  /** How a declared tool is advertised (default `toolDefinition`; the tool registry may pass its own). */
  toolDefinitions?: (spec: ToolSpec) => FunctionToolDefinition;
  /** The model named in `audio.input.transcription` (default `gpt-4o-transcribe`). */
  transcriptionModel?: string;
}

export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-transcribe';

/**
 * The GA `session` of the `session.update` that applies an agent. Audio formats are left out
 * on purpose: the transport (WebSocket, WebRTC, telephone) decides them.
 */
export function agentSessionUpdate(agent: Agent, opts: AgentSessionOptions = {}): RealtimeSessionUpdate {
  const define = opts.toolDefinitions ?? toolDefinition;
  const vad = resolveTurnDetection(agent.turnDetection);
  return {
    type: 'realtime',
    instructions: agent.instructions,
    audio: {
      input: {
        turn_detection: vad && {
          type: 'server_vad',
          threshold: vad.threshold,
          prefix_padding_ms: vad.prefixPaddingMs,
          silence_duration_ms: vad.silenceDurationMs,
          idle_timeout_ms: vad.idleTimeoutMs ?? null,
          create_response: vad.createResponse,
          interrupt_response: vad.interruptResponse,
        },
        // Transcription takes an ISO-639-1 code: the primary subtag of the agent's BCP-47 tag.
        transcription: agent.transcription ? { model: opts.transcriptionModel ?? DEFAULT_TRANSCRIPTION_MODEL, language: new Intl.Locale(agent.language).language } : null,
      },
      output: { voice: agent.voice },
    },
    tools: agent.tools.map((spec) => define(spec)),
    tool_choice: 'auto',
  };
}
