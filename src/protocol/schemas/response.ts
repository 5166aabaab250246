import { z } from 'zod';
import { audioFormat, AudioFormatSchema } from './audio-format.js';
import { CountSchema, nullAsAbsent, strictObject, stripObject } from './common.js';
import { ClientItemSchema, ItemReferenceSchema, ItemSchema } from './items.js';
import { PromptSchema } from './prompt.js';
import { MaxOutputTokensSchema, OutputModalitiesSchema, ReasoningSchema, VoiceSchema } from './session.js';
import { ToolChoiceSchema, ToolSchema } from './tools.js';

/** Up to 16 string pairs, keys ≤ 64 and values ≤ 512 characters; returned on the response object. */
export const MetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, { message: 'metadata holds at most 16 key-value pairs' });

/**
 * `response.create.response` (client → server): per-response overrides of the session.
 * `input` replaces the context for this response (`[]` = empty; omitted = whole conversation)
 * and may reference existing items by id.
 */
export const ResponseCreateParamsSchema = strictObject({
  conversation: z.enum(['auto', 'none']).optional(),
  input: z.array(z.discriminatedUnion('type', [ClientItemSchema, ItemReferenceSchema])).optional(),
  instructions: z.string().optional(),
  tools: z.array(ToolSchema).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  output_modalities: OutputModalitiesSchema.optional(),
  audio: strictObject({
    output: strictObject({ voice: VoiceSchema.optional(), format: AudioFormatSchema.optional() }).optional(),
  }).optional(),
  max_output_tokens: MaxOutputTokensSchema.optional(),
  metadata: MetadataSchema.nullable().optional(),
  prompt: PromptSchema.nullable().optional(),
  reasoning: ReasoningSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
});

// ---- Server → client ----

const obj = stripObject;

/** Token usage of one response. Cached tokens are a subset of input tokens. */
export const UsageSchema = obj({
  total_tokens: CountSchema,
  input_tokens: CountSchema,
  output_tokens: CountSchema,
  input_token_details: obj({
    text_tokens: CountSchema.optional(),
    audio_tokens: CountSchema.optional(),
    image_tokens: CountSchema.optional(),
    cached_tokens: CountSchema.optional(),
    cached_tokens_details: obj({
      text_tokens: CountSchema.optional(),
      audio_tokens: CountSchema.optional(),
      image_tokens: CountSchema.optional(),
    }).optional(),
  }).optional(),
  output_token_details: obj({ text_tokens: CountSchema.optional(), audio_tokens: CountSchema.optional() }).optional(),
});

export const ResponseStatusSchema = z.enum(['in_progress', 'completed', 'cancelled', 'incomplete', 'failed']);

/** Why a response ended other than `completed`: `reason` for cancelled/incomplete, `error` for failed. */
export const ResponseStatusDetailsSchema = obj({
  type: z.enum(['completed', 'cancelled', 'incomplete', 'failed']),
  reason: nullAsAbsent(z.enum(['turn_detected', 'client_cancelled', 'max_output_tokens', 'content_filter'])),
  error: nullAsAbsent(obj({ type: z.string().optional(), code: z.string().optional(), message: z.string().optional() })),
});

/**
 * The response object of `response.created` / `response.done`. The doc shows `null` for
 * `status_details` (until done), `conversation_id` (out-of-band) and `usage` (until done);
 * the SDK's `RealtimeResponse` has no `null` there, so Parley omits them instead (null still
 * parses). Likewise the SDK types `audio.output.voice` as a plain string (no `{id}` form).
 */
export const ResponseObjectSchema = obj({
  object: z.literal('realtime.response'),
  id: z.string(),
  status: ResponseStatusSchema,
  status_details: nullAsAbsent(ResponseStatusDetailsSchema),
  output: z.array(ItemSchema),
  conversation_id: nullAsAbsent(z.string()),
  output_modalities: OutputModalitiesSchema,
  audio: obj({ output: obj({ format: audioFormat(obj).optional(), voice: z.string().optional() }).optional() }).optional(),
  max_output_tokens: MaxOutputTokensSchema,
  metadata: MetadataSchema.nullable(),
  usage: nullAsAbsent(UsageSchema),
});

export type Metadata = z.infer<typeof MetadataSchema>;
export type ResponseCreateParams = z.infer<typeof ResponseCreateParamsSchema>;
export type ResponseCreateParamsInput = z.input<typeof ResponseCreateParamsSchema>;
export type Usage = z.infer<typeof UsageSchema>;
export type ResponseStatus = z.infer<typeof ResponseStatusSchema>;
export type ResponseStatusDetails = z.infer<typeof ResponseStatusDetailsSchema>;
export type ResponseObject = z.infer<typeof ResponseObjectSchema>;
