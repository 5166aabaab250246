import { z } from 'zod';
import { CountSchema } from './common.js';
import { ItemSchema, ResponseContentPartSchema } from './items.js';
import { ResponseObjectSchema } from './response.js';
import { AnySessionConfigSchema } from './session.js';

/*
 * Server events use plain `z.object`, which strips unknown keys rather than rejecting them
 * (`z.strictObject`) or keeping them (`z.looseObject`): a client of a newer server must
 * accept added fields, and stripping keeps the inferred types exact — `looseObject` would add
 * an index signature that lets typos like `event.reponse_id` compile. Unknown event *types*
 * are handled by `parseServerEvent`'s generic fallback.
 */
const serverEvent = <const T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), event_id: z.string(), ...shape });

const Index = CountSchema;
/** Where a streamed piece belongs: response, item, the item's position in the response, the part's position in the item. */
const inPart = { response_id: z.string(), item_id: z.string(), output_index: Index, content_index: Index };
const inItem = { response_id: z.string(), item_id: z.string(), output_index: Index };

const LogprobsSchema = z
  .array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()) }))
  .nullable()
  .optional();

// ---- Session ----
export const SessionCreatedEventSchema = serverEvent('session.created', { session: AnySessionConfigSchema });
export const SessionUpdatedEventSchema = serverEvent('session.updated', { session: AnySessionConfigSchema });

// ---- Conversation items ----
/** `previous_item_id` is null for the first item. Item audio bytes are omitted (use `.retrieve`). */
const PreviousItemIdSchema = z.string().nullable().optional();
export const ConversationItemAddedEventSchema = serverEvent('conversation.item.added', { item: ItemSchema, previous_item_id: PreviousItemIdSchema });
export const ConversationItemDoneEventSchema = serverEvent('conversation.item.done', { item: ItemSchema, previous_item_id: PreviousItemIdSchema });
export const ConversationItemRetrievedEventSchema = serverEvent('conversation.item.retrieved', { item: ItemSchema });
export const ConversationItemTruncatedEventSchema = serverEvent('conversation.item.truncated', { item_id: z.string(), content_index: Index, audio_end_ms: CountSchema });
export const ConversationItemDeletedEventSchema = serverEvent('conversation.item.deleted', { item_id: z.string() });

// ---- Input audio transcription (asynchronous; may arrive before or after response events) ----
export const InputTranscriptionDeltaEventSchema = serverEvent('conversation.item.input_audio_transcription.delta', {
  item_id: z.string(),
  content_index: Index.optional(),
  delta: z.string().optional(),
  logprobs: LogprobsSchema,
});
/** Billed either by tokens or by audio duration, depending on the transcription model. */
const TranscriptionUsageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('tokens'),
    input_tokens: CountSchema,
    output_tokens: CountSchema,
    total_tokens: CountSchema,
    input_token_details: z.object({ text_tokens: CountSchema.optional(), audio_tokens: CountSchema.optional() }).optional(),
  }),
  z.object({ type: z.literal('duration'), seconds: z.number().nonnegative() }),
]);
export const InputTranscriptionCompletedEventSchema = serverEvent('conversation.item.input_audio_transcription.completed', {
  item_id: z.string(),
  content_index: Index,
  transcript: z.string(),
  usage: TranscriptionUsageSchema,
  logprobs: LogprobsSchema,
});
/** The SDK types every `error` field optional here (unlike the top-level `error` event). */
export const InputTranscriptionFailedEventSchema = serverEvent('conversation.item.input_audio_transcription.failed', {
  item_id: z.string(),
  content_index: Index,
  error: z.object({ type: z.string().optional(), code: z.string().optional(), message: z.string().optional(), param: z.string().optional() }),
});
/** Diarization models only; `start`/`end` in seconds. */
export const InputTranscriptionSegmentEventSchema = serverEvent('conversation.item.input_audio_transcription.segment', {
  id: z.string(),
  item_id: z.string(),
  content_index: Index,
  text: z.string(),
  speaker: z.string(),
  start: z.number(),
  end: z.number(),
});

// ---- Input audio buffer ----
/** `audio_start_ms` counts from the session's first appended audio and includes prefix padding. */
export const InputAudioBufferSpeechStartedEventSchema = serverEvent('input_audio_buffer.speech_started', { audio_start_ms: CountSchema, item_id: z.string() });
export const InputAudioBufferSpeechStoppedEventSchema = serverEvent('input_audio_buffer.speech_stopped', { audio_end_ms: CountSchema, item_id: z.string() });
export const InputAudioBufferCommittedEventSchema = serverEvent('input_audio_buffer.committed', { item_id: z.string(), previous_item_id: PreviousItemIdSchema });
export const InputAudioBufferClearedEventSchema = serverEvent('input_audio_buffer.cleared', {});
export const InputAudioBufferTimeoutTriggeredEventSchema = serverEvent('input_audio_buffer.timeout_triggered', {
  audio_start_ms: CountSchema,
  audio_end_ms: CountSchema,
  item_id: z.string(),
});
/** SIP only. The one server event typed without `event_id` in the SDK. */
export const InputAudioBufferDtmfEventReceivedEventSchema = z.object({
  type: z.literal('input_audio_buffer.dtmf_event_received'),
  event_id: z.string().optional(),
  event: z.string(),
  received_at: z.number(),
});

// ---- Output audio buffer (WebRTC/SIP only) ----
export const OutputAudioBufferStartedEventSchema = serverEvent('output_audio_buffer.started', { response_id: z.string() });
export const OutputAudioBufferStoppedEventSchema = serverEvent('output_audio_buffer.stopped', { response_id: z.string() });
export const OutputAudioBufferClearedEventSchema = serverEvent('output_audio_buffer.cleared', { response_id: z.string() });

// ---- Responses ----
export const ResponseCreatedEventSchema = serverEvent('response.created', { response: ResponseObjectSchema });
/** Always sent, whatever the outcome; output items carry no audio bytes. */
export const ResponseDoneEventSchema = serverEvent('response.done', { response: ResponseObjectSchema });
export const ResponseOutputItemAddedEventSchema = serverEvent('response.output_item.added', { response_id: z.string(), output_index: Index, item: ItemSchema });
export const ResponseOutputItemDoneEventSchema = serverEvent('response.output_item.done', { response_id: z.string(), output_index: Index, item: ItemSchema });
export const ResponseContentPartAddedEventSchema = serverEvent('response.content_part.added', { ...inPart, part: ResponseContentPartSchema });
export const ResponseContentPartDoneEventSchema = serverEvent('response.content_part.done', { ...inPart, part: ResponseContentPartSchema });
export const ResponseOutputTextDeltaEventSchema = serverEvent('response.output_text.delta', { ...inPart, delta: z.string() });
export const ResponseOutputTextDoneEventSchema = serverEvent('response.output_text.done', { ...inPart, text: z.string() });
/** `delta` is base64 audio in the session's output format. */
export const ResponseOutputAudioDeltaEventSchema = serverEvent('response.output_audio.delta', { ...inPart, delta: z.string() });
export const ResponseOutputAudioDoneEventSchema = serverEvent('response.output_audio.done', inPart);
export const ResponseOutputAudioTranscriptDeltaEventSchema = serverEvent('response.output_audio_transcript.delta', { ...inPart, delta: z.string() });
export const ResponseOutputAudioTranscriptDoneEventSchema = serverEvent('response.output_audio_transcript.done', { ...inPart, transcript: z.string() });
export const ResponseFunctionCallArgumentsDeltaEventSchema = serverEvent('response.function_call_arguments.delta', {
  ...inItem,
  call_id: z.string(),
  delta: z.string(),
});
/** `name` is GA-only (beta clients take it from `response.output_item.added`). */
export const ResponseFunctionCallArgumentsDoneEventSchema = serverEvent('response.function_call_arguments.done', {
  ...inItem,
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
});

// ---- Remote MCP progress (Parley doesn't run MCP; mirrored from the SDK for pass-through) ----
export const ResponseMcpCallArgumentsDeltaEventSchema = serverEvent('response.mcp_call_arguments.delta', {
  ...inItem,
  delta: z.string(),
  obfuscation: z.string().nullable().optional(),
});
export const ResponseMcpCallArgumentsDoneEventSchema = serverEvent('response.mcp_call_arguments.done', { ...inItem, arguments: z.string() });
export const ResponseMcpCallInProgressEventSchema = serverEvent('response.mcp_call.in_progress', { item_id: z.string(), output_index: Index });
export const ResponseMcpCallCompletedEventSchema = serverEvent('response.mcp_call.completed', { item_id: z.string(), output_index: Index });
export const ResponseMcpCallFailedEventSchema = serverEvent('response.mcp_call.failed', { item_id: z.string(), output_index: Index });
export const McpListToolsInProgressEventSchema = serverEvent('mcp_list_tools.in_progress', { item_id: z.string() });
export const McpListToolsCompletedEventSchema = serverEvent('mcp_list_tools.completed', { item_id: z.string() });
export const McpListToolsFailedEventSchema = serverEvent('mcp_list_tools.failed', { item_id: z.string() });

// ---- Other ----
/** Sent once per response; position relative to `response.done` varies. */
export const RateLimitsUpdatedEventSchema = serverEvent('rate_limits.updated', {
  rate_limits: z.array(
    z.object({
      name: z.enum(['requests', 'tokens']).optional(),
      limit: CountSchema.optional(),
      remaining: CountSchema.optional(),
      reset_seconds: z.number().nonnegative().optional(),
    }),
  ),
});
/** Most errors are recoverable; `error.event_id` echoes the client event that caused it. */
export const ErrorEventSchema = serverEvent('error', {
  error: z.object({
    type: z.string(),
    code: z.string().nullable().optional(),
    message: z.string(),
    param: z.string().nullable().optional(),
    event_id: z.string().nullable().optional(),
  }),
});

export const ServerEventSchema = z.discriminatedUnion('type', [
  SessionCreatedEventSchema,
  SessionUpdatedEventSchema,
  ConversationItemAddedEventSchema,
  ConversationItemDoneEventSchema,
  ConversationItemRetrievedEventSchema,
  ConversationItemTruncatedEventSchema,
  ConversationItemDeletedEventSchema,
  InputTranscriptionDeltaEventSchema,
  InputTranscriptionCompletedEventSchema,
  InputTranscriptionFailedEventSchema,
  InputTranscriptionSegmentEventSchema,
  InputAudioBufferSpeechStartedEventSchema,
  InputAudioBufferSpeechStoppedEventSchema,
  InputAudioBufferCommittedEventSchema,
  InputAudioBufferClearedEventSchema,
  InputAudioBufferTimeoutTriggeredEventSchema,
  InputAudioBufferDtmfEventReceivedEventSchema,
  OutputAudioBufferStartedEventSchema,
  OutputAudioBufferStoppedEventSchema,
  OutputAudioBufferClearedEventSchema,
  ResponseCreatedEventSchema,
  ResponseDoneEventSchema,
  ResponseOutputItemAddedEventSchema,
  ResponseOutputItemDoneEventSchema,
  ResponseContentPartAddedEventSchema,
  ResponseContentPartDoneEventSchema,
  ResponseOutputTextDeltaEventSchema,
  ResponseOutputTextDoneEventSchema,
  ResponseOutputAudioDeltaEventSchema,
  ResponseOutputAudioDoneEventSchema,
  ResponseOutputAudioTranscriptDeltaEventSchema,
  ResponseOutputAudioTranscriptDoneEventSchema,
  ResponseFunctionCallArgumentsDeltaEventSchema,
  ResponseFunctionCallArgumentsDoneEventSchema,
  ResponseMcpCallArgumentsDeltaEventSchema,
  ResponseMcpCallArgumentsDoneEventSchema,
  ResponseMcpCallInProgressEventSchema,
  ResponseMcpCallCompletedEventSchema,
  ResponseMcpCallFailedEventSchema,
  McpListToolsInProgressEventSchema,
  McpListToolsCompletedEventSchema,
  McpListToolsFailedEventSchema,
  RateLimitsUpdatedEventSchema,
  ErrorEventSchema,
]);

export type ServerEvent = z.infer<typeof ServerEventSchema>;
export type ServerEventInput = z.input<typeof ServerEventSchema>;
export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

export const SERVER_EVENT_TYPES: readonly ServerEventType[] = Object.freeze(
  ServerEventSchema.options.map((s) => s.shape.type.value),
);

/** Any server event, known or not: an object with a string `type`; other keys kept as-is. */
const GenericServerEventSchema = z.looseObject({ type: z.string() });
export type GenericServerEvent = z.infer<typeof GenericServerEventSchema>;

export type ParsedServerEvent =
  | { known: true; event: ServerEvent }
  /** `issues` is set when the type is known but the payload didn't validate. */
  | { known: false; event: GenericServerEvent; issues?: z.core.$ZodIssue[] };

const KNOWN_SERVER_EVENT_TYPES = new Set<string>(SERVER_EVENT_TYPES);

/**
 * Parses a decoded server event (e.g. from an upstream). An event type Parley doesn't know
 * — or a known one whose payload doesn't validate — passes through as a generic event
 * instead of breaking the stream (as openai-agents-js does); the latter carries the zod
 * `issues` so the caller can log them. Throws a ZodError only when `json` isn't an object
 * with a string `type`.
 */
export function parseServerEvent(json: unknown): ParsedServerEvent {
  const generic = GenericServerEventSchema.parse(json);
  if (!KNOWN_SERVER_EVENT_TYPES.has(generic.type)) return { known: false, event: generic };
  const parsed = ServerEventSchema.safeParse(json);
  return parsed.success ? { known: true, event: parsed.data } : { known: false, event: generic, issues: parsed.error.issues };
}
