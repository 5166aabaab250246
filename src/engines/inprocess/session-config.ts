import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { newId } from '../../protocol/ids.js';
import type { SessionConfig, SessionUpdate } from '../../protocol/schemas/index.js';

export const DEFAULT_SERVER_VAD = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
  idle_timeout_ms: null,
} as const;

export const DEFAULT_SEMANTIC_VAD = { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true } as const;

const SESSION_TTL_S = 60 * 60;

/** The full GA session object a new session starts with (doc §2.1 defaults). */
export function defaultSessionConfig(model: string, overrides: Partial<SessionConfig> = {}): SessionConfig {
  const base = {
    type: 'realtime',
    object: 'realtime.session',
    id: newId('sess'),
    model,
    output_modalities: ['audio'],
    instructions: '',
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...DEFAULT_SERVER_VAD },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
    },
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    truncation: 'auto',
    tracing: null,
    prompt: null,
    include: null,
    expires_at: Math.floor(Date.now() / 1000) + SESSION_TTL_S,
  } as unknown as SessionConfig;
  return mergeSession(base, overrides as Record<string, unknown>);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills a replaced turn_detection object with the defaults of its type, as OpenAI does. */
function withVadDefaults(td: unknown): unknown {
  if (!isObj(td)) return td;
  if (td.type === 'server_vad') return { ...DEFAULT_SERVER_VAD, ...td };
  if (td.type === 'semantic_vad') return { ...DEFAULT_SEMANTIC_VAD, ...td };
  return td;
}

function mergeSession(current: SessionConfig, update: Obj): SessionConfig {
  const out = structuredClone(current) as unknown as Obj;
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined || key === 'type') continue;
    if (key === 'audio' && isObj(value)) {
      const audio = out.audio as Obj;
      for (const dir of ['input', 'output'] as const) {
        const patch = value[dir];
        if (!isObj(patch)) continue;
        const target = audio[dir] as Obj;
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined) continue;
          target[k] = k === 'turn_detection' ? withVadDefaults(v) : k === 'format' && isObj(v) && v.type === 'audio/pcm' ? { rate: 24000, ...v } : v;
        }
      }
    } else {
      out[key] = value;
    }
  }
  return out as unknown as SessionConfig;
}

export interface SessionUpdateGuards {
  /** Voice is fixed once the model has spoken (OpenAI: `cannot_update_voice`). */
  audioProduced: boolean;
}

/** Applies a partial `session.update` (already schema-valid) and returns the new effective config. */
export function applySessionUpdate(current: SessionConfig, update: SessionUpdate, guards: SessionUpdateGuards): SessionConfig {
  const u = update as unknown as Obj;
  if (u.type === 'transcription') {
    throw new ProtocolError(ErrorCode.unsupported, 'This is a realtime session; transcription sessions are opened with ?intent=transcription.', 'session.type');
  }
  if (typeof u.model === 'string' && u.model !== current.model) {
    throw new ProtocolError(ErrorCode.cannotUpdateModel, `The model cannot be changed on a live session (it is '${current.model}'); open a new session for '${u.model}'.`, 'session.model');
  }
  const newVoice = isObj(u.audio) && isObj(u.audio.output) ? u.audio.output.voice : undefined;
  const oldVoice = (current.audio as unknown as { output: { voice: unknown } }).output.voice;
  if (newVoice !== undefined && guards.audioProduced && JSON.stringify(newVoice) !== JSON.stringify(oldVoice)) {
    throw new ProtocolError(ErrorCode.cannotUpdateVoice, 'The voice cannot be changed after the assistant has produced audio in this session.', 'session.audio.output.voice');
  }
  return mergeSession(current, u);
}
