import { z } from 'zod';
import { audioFormat, AudioFormatSchema } from './audio-format.js';
import { CountSchema, nullAsAbsent, strictObject, stripObject, type ObjectCtor } from './common.js';
import { prompt, PromptSchema } from './prompt.js';
import { tool, toolChoice, ToolChoiceSchema, ToolSchema } from './tools.js';

// ---- Concepts shared by session.update, session.created/updated and response.create ----

/** `server_vad` ends turns on silence; `semantic_vad` asks a turn-end model. The numeric knobs are server_vad-only (doc §2.1). */
export const turnDetection = (obj: ObjectCtor) =>
  z.discriminatedUnion('type', [
    obj({
      type: z.literal('server_vad'),
      threshold: z.number().min(0).max(1).optional(),
      prefix_padding_ms: CountSchema.optional(),
      silence_duration_ms: CountSchema.optional(),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
      idle_timeout_ms: CountSchema.nullable().optional(),
    }),
    obj({
      type: z.literal('semantic_vad'),
      eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
    }),
  ]);

/** Async ASR of the input audio. `delay` is SDK-only (not in the doc); accepted so SDK clients pass strict parsing. */
export const transcription = (obj: ObjectCtor) =>
  obj({
    model: z.string().min(1).optional(),
    language: z.string().optional(),
    prompt: z.string().optional(),
    delay: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  });

/**
 * The SDK types `type` optional; Parley requires it (an untyped filter means nothing).
 * `strength` is doc-only (§2.1 "optional strength"), absent from the SDK types.
 */
export const noiseReduction = (obj: ObjectCtor) =>
  obj({ type: z.enum(['near_field', 'far_field']), strength: z.number().optional() });

export const KNOWN_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;
/** Built-in voice name, any other (engine-specific) voice name, or a custom voice `{id}`. */
export const voice = (obj: ObjectCtor) => z.union([z.enum(KNOWN_VOICES), z.string().min(1), obj({ id: z.string().min(1) })]);

export const truncation = (obj: ObjectCtor) =>
  z.union([
    z.enum(['auto', 'disabled']),
    obj({
      type: z.literal('retention_ratio'),
      retention_ratio: z.number().min(0).max(1),
      token_limits: obj({ post_instructions: z.number().int().positive().optional() }).optional(),
    }),
  ]);

/** Disabled with `null` at the field. Once enabled it is immutable — the session enforces that, not the schema. */
export const tracing = (obj: ObjectCtor) =>
  z.union([
    z.literal('auto'),
    obj({ workflow_name: z.string().optional(), group_id: z.string().optional(), metadata: z.unknown().optional() }),
  ]);

/** Reasoning models only (doc §2.1). */
export const reasoning = (obj: ObjectCtor) => obj({ effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional() });

/** `["audio"]` (audio + transcript) or `["text"]`. */
export const OutputModalitiesSchema = z.array(z.enum(['text', 'audio'])).min(1);
export const MaxOutputTokensSchema = z.union([z.number().int().min(1).max(4096), z.literal('inf')]);
export const IncludeSchema = z.array(z.literal('item.input_audio_transcription.logprobs'));
/** Playback speed multiplier; only changes between turns. */
export const SpeedSchema = z.number().min(0.25).max(1.5);

export const TurnDetectionSchema = turnDetection(strictObject);
export const TranscriptionSchema = transcription(strictObject);
export const NoiseReductionSchema = noiseReduction(strictObject);
export const VoiceSchema = voice(strictObject);
export const TruncationSchema = truncation(strictObject);
export const TracingSchema = tracing(strictObject);
export const ReasoningSchema = reasoning(strictObject);

// ---- session.update.session (client → server): strict and partial ----

/** `null` clears turn_detection / transcription / noise_reduction (doc §2.1 and the SDK's own doc comments). */
const AudioInputUpdateSchema = strictObject({
  format: AudioFormatSchema.optional(),
  transcription: TranscriptionSchema.nullable().optional(),
  noise_reduction: NoiseReductionSchema.nullable().optional(),
  turn_detection: TurnDetectionSchema.nullable().optional(),
});

export const RealtimeSessionUpdateSchema = strictObject({
  type: z.literal('realtime'),
  model: z.string().min(1).optional(),
  output_modalities: OutputModalitiesSchema.optional(),
  instructions: z.string().optional(),
  audio: strictObject({
    input: AudioInputUpdateSchema.optional(),
    output: strictObject({
      format: AudioFormatSchema.optional(),
      voice: VoiceSchema.optional(),
      speed: SpeedSchema.optional(),
    }).optional(),
  }).optional(),
  tools: z.array(ToolSchema).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  max_output_tokens: MaxOutputTokensSchema.optional(),
  truncation: TruncationSchema.optional(),
  tracing: TracingSchema.nullable().optional(),
  prompt: PromptSchema.nullable().optional(),
  include: IncludeSchema.optional(),
  reasoning: ReasoningSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
});

/** GA transcription-only sessions (`?intent=transcription`) configure input audio only. */
export const TranscriptionSessionUpdateSchema = strictObject({
  type: z.literal('transcription'),
  audio: strictObject({ input: AudioInputUpdateSchema.optional() }).optional(),
  include: IncludeSchema.optional(),
});

/** What a client may send in `session.update.session`. `type` is required on GA connections. */
export const SessionUpdateSchema = z.discriminatedUnion('type', [RealtimeSessionUpdateSchema, TranscriptionSessionUpdateSchema]);

// ---- Effective session (server → client): full, unknown keys stripped ----

const obj = stripObject;
/**
 * OpenAI sends `null` for transcription / noise_reduction / include when off, but the SDK's
 * `session.created` types have no `null` there: Parley omits them instead (absent = off).
 */
const AudioInputConfigSchema = obj({
  format: audioFormat(obj),
  transcription: nullAsAbsent(transcription(obj)),
  noise_reduction: nullAsAbsent(noiseReduction(obj)),
  turn_detection: turnDetection(obj).nullable(),
});

/** The full effective GA session as returned in `session.created` / `session.updated`. */
export const SessionConfigSchema = obj({
  type: z.literal('realtime'),
  object: z.literal('realtime.session'),
  id: z.string(),
  model: z.string(),
  output_modalities: OutputModalitiesSchema,
  instructions: z.string(),
  audio: obj({
    input: AudioInputConfigSchema,
    output: obj({ format: audioFormat(obj), voice: voice(obj), speed: SpeedSchema }),
  }),
  tools: z.array(tool(obj)),
  tool_choice: toolChoice(obj),
  max_output_tokens: MaxOutputTokensSchema,
  truncation: truncation(obj),
  tracing: tracing(obj).nullable(),
  prompt: prompt(obj).nullable(),
  include: nullAsAbsent(IncludeSchema),
  expires_at: z.number().int(),
  reasoning: reasoning(obj).optional(),
  parallel_tool_calls: z.boolean().optional(),
});

export const TranscriptionSessionConfigSchema = obj({
  type: z.literal('transcription'),
  object: z.string(),
  id: z.string(),
  audio: obj({ input: AudioInputConfigSchema }),
  include: nullAsAbsent(IncludeSchema),
  expires_at: z.number().int().optional(),
});

/** `session.created` / `session.updated` carry either kind. */
export const AnySessionConfigSchema = z.discriminatedUnion('type', [SessionConfigSchema, TranscriptionSessionConfigSchema]);

export type TurnDetection = z.infer<typeof TurnDetectionSchema>;
export type Transcription = z.infer<typeof TranscriptionSchema>;
export type NoiseReduction = z.infer<typeof NoiseReductionSchema>;
export type Voice = z.infer<typeof VoiceSchema>;
export type Truncation = z.infer<typeof TruncationSchema>;
export type Tracing = z.infer<typeof TracingSchema>;
export type SessionUpdate = z.infer<typeof SessionUpdateSchema>;
export type SessionUpdateInput = z.input<typeof SessionUpdateSchema>;
export type RealtimeSessionUpdate = z.infer<typeof RealtimeSessionUpdateSchema>;
export type TranscriptionSessionUpdate = z.infer<typeof TranscriptionSessionUpdateSchema>;
export type SessionConfig = z.infer<typeof SessionConfigSchema>;
export type TranscriptionSessionConfig = z.infer<typeof TranscriptionSessionConfigSchema>;
export type AnySessionConfig = z.infer<typeof AnySessionConfigSchema>;
