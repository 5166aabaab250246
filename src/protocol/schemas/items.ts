import { z } from 'zod';
import { Base64Schema, ClientIdSchema, nullAsAbsent, strictObject, stripObject, type ObjectCtor } from './common.js';

// ---- Content parts ----
// The SDK types each role's parts as one bag with every field optional; Parley requires
// the tag and the field that makes the part meaningful (`text`, `image_url`).
// `audio` / `transcript` accept `null` (the doc's items show `"transcript": null`) and drop it.

const inputText = (obj: ObjectCtor) => obj({ type: z.literal('input_text'), text: z.string() });
const inputAudio = (obj: ObjectCtor) =>
  obj({ type: z.literal('input_audio'), audio: nullAsAbsent(Base64Schema), transcript: nullAsAbsent(z.string()) });
/** `image_url` is a data URI (`data:image/png;base64,...`). */
const inputImage = (obj: ObjectCtor) =>
  obj({ type: z.literal('input_image'), image_url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() });
const userPart = (obj: ObjectCtor) => z.discriminatedUnion('type', [inputText(obj), inputAudio(obj), inputImage(obj)]);

export const InputTextPartSchema = inputText(strictObject);
export const InputAudioPartSchema = inputAudio(strictObject);
export const InputImagePartSchema = inputImage(strictObject);
export const UserContentPartSchema = userPart(strictObject);

/**
 * Assistant parts a client may send (GA names only). `audio` bytes parse because the SDK types
 * them, but doc §3 says assistant audio can't be created: the engine rejects them.
 */
export const AssistantContentPartSchema = z.discriminatedUnion('type', [
  strictObject({ type: z.literal('output_text'), text: z.string() }),
  strictObject({ type: z.literal('output_audio'), audio: nullAsAbsent(Base64Schema), transcript: nullAsAbsent(z.string()) }),
]);

/** Assistant parts from a server: beta-style `text` / `audio` tags are accepted and normalised to the GA names the SDK types. */
const ServerAssistantPartSchema = z.discriminatedUnion('type', [
  stripObject({ type: z.enum(['output_text', 'text']).transform((): 'output_text' => 'output_text'), text: z.string() }),
  stripObject({
    type: z.enum(['output_audio', 'audio']).transform((): 'output_audio' => 'output_audio'),
    audio: nullAsAbsent(z.string()),
    transcript: nullAsAbsent(z.string()),
  }),
]);

/**
 * `part` of `response.content_part.added/done`. The SDK types `part.type` as `text` / `audio`,
 * GA servers commonly send `output_text` / `output_audio` (doc §4): both parse; the output
 * uses the SDK's names so what Parley emits type-checks against `ResponseContentPart*Event`.
 */
export const ResponseContentPartSchema = z.discriminatedUnion('type', [
  stripObject({ type: z.enum(['text', 'output_text']).transform((): 'text' => 'text'), text: z.string() }),
  stripObject({
    type: z.enum(['audio', 'output_audio']).transform((): 'audio' => 'audio'),
    audio: nullAsAbsent(z.string()),
    transcript: nullAsAbsent(z.string()),
  }),
]);

// ---- Items ----

const ItemStatusSchema = z.enum(['completed', 'incomplete', 'in_progress']);
/** Common item fields; `status` is informational only. */
const itemMeta = (id: z.ZodString) => ({
  id: id.optional(),
  object: z.literal('realtime.item').optional(),
  status: ItemStatusSchema.optional(),
});

/** Messages share `type: 'message'`, so they are discriminated by `role` and nested into the `type` union. */
const message = <P extends z.ZodType>(obj: ObjectCtor, id: z.ZodString, assistantPart: P) =>
  z.discriminatedUnion('role', [
    obj({ type: z.literal('message'), role: z.literal('system'), content: z.array(inputText(obj)), ...itemMeta(id) }),
    obj({ type: z.literal('message'), role: z.literal('user'), content: z.array(userPart(obj)), ...itemMeta(id) }),
    obj({ type: z.literal('message'), role: z.literal('assistant'), content: z.array(assistantPart), ...itemMeta(id) }),
  ]);

const functionCallOutput = (obj: ObjectCtor, id: z.ZodString) =>
  obj({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.string(), ...itemMeta(id) });

/** Remote-MCP items, mirrored from the SDK (ids required except on `mcp_list_tools`, as there). */
const mcpItems = (obj: ObjectCtor, id: z.ZodString) =>
  [
    obj({
      type: z.literal('mcp_list_tools'),
      id: id.optional(),
      server_label: z.string(),
      tools: z.array(
        obj({
          name: z.string(),
          input_schema: z.unknown(),
          description: z.string().nullable().optional(),
          annotations: z.unknown().optional(),
        }),
      ),
    }),
    obj({
      type: z.literal('mcp_call'),
      id,
      server_label: z.string(),
      name: z.string(),
      arguments: z.string(),
      approval_request_id: z.string().nullable().optional(),
      output: z.string().nullable().optional(),
      error: z
        .discriminatedUnion('type', [
          obj({ type: z.literal('protocol_error'), code: z.number(), message: z.string() }),
          obj({ type: z.literal('tool_execution_error'), message: z.string() }),
          obj({ type: z.literal('http_error'), code: z.number(), message: z.string() }),
        ])
        .nullable()
        .optional(),
    }),
    obj({ type: z.literal('mcp_approval_request'), id, server_label: z.string(), name: z.string(), arguments: z.string() }),
    obj({
      type: z.literal('mcp_approval_response'),
      id,
      approval_request_id: z.string(),
      approve: z.boolean(),
      reason: z.string().nullable().optional(),
    }),
  ] as const;

/** A conversation item as a server sends it (item events, response output). */
export const ItemSchema = z.discriminatedUnion('type', [
  message(stripObject, z.string(), ServerAssistantPartSchema),
  stripObject({
    type: z.literal('function_call'),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
    ...itemMeta(z.string()),
  }),
  functionCallOutput(stripObject, z.string()),
  ...mcpItems(stripObject, z.string()),
]);

/**
 * What `conversation.item.create` (and `response.create.response.input`) may carry.
 * `function_call.call_id` is optional as in the SDK, which marks `name`/`arguments` required
 * but not `call_id` — the engine assigns one when seeding history without it.
 */
export const ClientItemSchema = z.discriminatedUnion('type', [
  message(strictObject, ClientIdSchema, AssistantContentPartSchema),
  strictObject({
    type: z.literal('function_call'),
    call_id: z.string().min(1).optional(),
    name: z.string().min(1),
    arguments: z.string(),
    ...itemMeta(ClientIdSchema),
  }),
  functionCallOutput(strictObject, ClientIdSchema),
  ...mcpItems(strictObject, ClientIdSchema),
]);

/** Points at an existing conversation item; only valid inside `response.create.response.input`. */
export const ItemReferenceSchema = strictObject({ type: z.literal('item_reference'), id: ClientIdSchema });

export type Item = z.infer<typeof ItemSchema>;
export type ItemInput = z.input<typeof ItemSchema>;
export type ClientItem = z.infer<typeof ClientItemSchema>;
export type ClientItemInput = z.input<typeof ClientItemSchema>;
export type ItemReference = z.infer<typeof ItemReferenceSchema>;
export type ItemStatus = z.infer<typeof ItemStatusSchema>;
export type UserContentPart = z.infer<typeof UserContentPartSchema>;
export type AssistantContentPart = z.infer<typeof AssistantContentPartSchema>;
export type ResponseContentPart = z.infer<typeof ResponseContentPartSchema>;
