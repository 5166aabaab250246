import { applySessionUpdate } from '../inprocess/session-config.js';
import type { RealtimeSessionUpdate, SessionConfig, SessionUpdate } from '../../protocol/schemas/index.js';
import { SessionConfigSchema } from '../../protocol/schemas/index.js';

/**
 * The fields of a full session that a GA `session.update` accepts, so a fresh upstream can be
 * put in exactly this state. Left out: `id`, `object`, `expires_at` (the server's), `model`
 * (chosen in the URL; an update may not change it). What is off is sent as `null`, so the
 * upstream's own defaults never leak in.
 */
export function sessionUpdateFrom(config: SessionConfig): RealtimeSessionUpdate {
  const input = config.audio.input;
  const output = config.audio.output;
  const update: RealtimeSessionUpdate = {
    type: 'realtime',
    output_modalities: config.output_modalities,
    instructions: config.instructions,
    audio: {
      input: {
        format: input.format,
        transcription: input.transcription ?? null,
        noise_reduction: input.noise_reduction ?? null,
        turn_detection: input.turn_detection,
      },
      output: { format: output.format, voice: output.voice, speed: output.speed },
    },
    tools: config.tools,
    tool_choice: config.tool_choice,
    max_output_tokens: config.max_output_tokens,
    truncation: config.truncation,
  };
  // Null is the default on a new session: only what was switched on needs sending.
  if (config.tracing) update.tracing = config.tracing;
  if (config.prompt) update.prompt = config.prompt;
  if (config.include) update.include = config.include;
  if (config.reasoning) update.reasoning = config.reasoning;
  if (config.parallel_tool_calls !== undefined) update.parallel_tool_calls = config.parallel_tool_calls;
  return update as RealtimeSessionUpdate;
}

/** `update` applied to `config` as the upstream would; null when the upstream would refuse it (it will say why). */
export function mergeSessionUpdate(config: SessionConfig, update: SessionUpdate): SessionConfig | null {
  try {
    return applySessionUpdate(config, update, { audioProduced: false });
  } catch {
    return null;
  }
}

/** The upstream's effective session as a full GA session object, or null when it doesn't read as one. */
export function parseEffectiveSession(session: unknown): SessionConfig | null {
  const parsed = SessionConfigSchema.safeParse(session);
  return parsed.success ? parsed.data : null;
}
