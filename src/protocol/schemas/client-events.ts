import { z } from 'zod';
import { Base64Schema, ClientIdSchema, CountSchema, EventIdSchema, nullAsAbsent, strictObject } from './common.js';
import { ClientItemSchema } from './items.js';
import { ResponseCreateParamsSchema } from './response.js';
import { SessionUpdateSchema } from './session.js';

/** Every client event may carry an `event_id`, echoed in `error.event_id`. Unknown keys are rejected. */
const clientEvent = <const T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  strictObject({ type: z.literal(type), event_id: EventIdSchema.optional(), ...shape });

export const SessionUpdateEventSchema = clientEvent('session.update', { session: SessionUpdateSchema });

/** `audio` is base64 in the session's input format (alphabet checked here; the 15 MiB cap on decoded bytes is the caller's). */
export const InputAudioBufferAppendEventSchema = clientEvent('input_audio_buffer.append', { audio: Base64Schema });
export const InputAudioBufferCommitEventSchema = clientEvent('input_audio_buffer.commit', {});
export const InputAudioBufferClearEventSchema = clientEvent('input_audio_buffer.clear', {});
/** WebRTC/SIP only; the transport decides whether it applies. */
export const OutputAudioBufferClearEventSchema = clientEvent('output_audio_buffer.clear', {});

/**
 * `previous_item_id`: omitted = append, `"root"` = insert first, an id = insert after it.
 * `null` is read as omitted (the SDK types have no `null`).
 */
export const ConversationItemCreateEventSchema = clientEvent('conversation.item.create', {
  item: ClientItemSchema,
  previous_item_id: nullAsAbsent(ClientIdSchema),
});
export const ConversationItemRetrieveEventSchema = clientEvent('conversation.item.retrieve', { item_id: ClientIdSchema });
/** Cuts an assistant item's audio at `audio_end_ms` (integer ms actually played). */
export const ConversationItemTruncateEventSchema = clientEvent('conversation.item.truncate', {
  item_id: ClientIdSchema,
  content_index: CountSchema,
  audio_end_ms: CountSchema,
});
export const ConversationItemDeleteEventSchema = clientEvent('conversation.item.delete', { item_id: ClientIdSchema });

export const ResponseCreateEventSchema = clientEvent('response.create', { response: ResponseCreateParamsSchema.optional() });
/** Without `response_id` the default-conversation response is cancelled. */
export const ResponseCancelEventSchema = clientEvent('response.cancel', { response_id: ClientIdSchema.optional() });

export const ClientEventSchema = z.discriminatedUnion('type', [
  SessionUpdateEventSchema,
  InputAudioBufferAppendEventSchema,
  InputAudioBufferCommitEventSchema,
  InputAudioBufferClearEventSchema,
  OutputAudioBufferClearEventSchema,
  ConversationItemCreateEventSchema,
  ConversationItemRetrieveEventSchema,
  ConversationItemTruncateEventSchema,
  ConversationItemDeleteEventSchema,
  ResponseCreateEventSchema,
  ResponseCancelEventSchema,
]);

export type ClientEvent = z.infer<typeof ClientEventSchema>;
export type ClientEventInput = z.input<typeof ClientEventSchema>;
export type ClientEventType = ClientEvent['type'];
export type ClientEventOf<T extends ClientEventType> = Extract<ClientEvent, { type: T }>;

/** The GA client event types Parley accepts, derived from the union so the two can't drift. */
export const CLIENT_EVENT_TYPES: readonly ClientEventType[] = Object.freeze(
  ClientEventSchema.options.map((s) => s.shape.type.value),
);
