/*
 * Parley's protocol schemas checked against the official SDK types (openai/resources/realtime),
 * at compile time (`tsc --noEmit` fails when they drift) and at run time.
 *
 * Where the SDK types and Parley differ on purpose, the difference is narrowed in ONE place
 * below and explained there:
 *  - The SDK (OpenAPI codegen) marks discriminator tags optional (`format.type`,
 *    `noise_reduction.type`, `tools[].type`) and types each role's content parts as one bag with
 *    every field optional. Parley requires the tag and the field that gives an object its meaning
 *    (`text` of input_text/output_text, `image_url` of input_image, a tool's `name`, a JSON-Schema
 *    *object* as `parameters`), so the SDK→Parley checks narrow exactly those (`Tagged`, `Variant`,
 *    `SdkFunctionTool`).
 *  - `response.create.response.conversation` is `(string & {}) | 'auto' | 'none'` in the SDK;
 *    Parley accepts the two documented values (`KnownLiterals`).
 *  - Parley accepts `null` for `audio.input.transcription` / `noise_reduction` in session.update
 *    (doc §2.1 and the SDK's own doc comments say null turns them off; its types lack the null),
 *    and `item_reference` items in `response.create.response.input` (doc §3 and the SDK's doc
 *    comment allow references; its GA type doesn't list them). The Parley→SDK client check
 *    removes those two extensions (`SdkView`); references are checked against the SDK's
 *    `ConversationItemWithReference` instead.
 * Because assignability ignores extra keys while Parley's client schemas are strict, a key-path
 * check (`MissingClientKeys`) also requires every key the SDK may send to exist in Parley's input.
 * Server events need no exceptions: where the SDK has no `null` (response `conversation_id`,
 * `usage`, `status_details`; session `transcription`, `noise_reduction`, `include`) Parley's
 * output omits the field, and content-part tags are emitted with the SDK's names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as SDK from 'openai/resources/realtime/realtime';
import type { z } from 'zod';
import * as S from '../../src/protocol/schemas/index.js';

// ---- type-level helpers ----
type Assert<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;
/** Fails with the names of the failing entries in the compiler message (wrap the union in a template literal so tsc prints it resolved). */
type NoFailures<K extends never> = K;
type Failures<M> = { [K in keyof M]: M[K] extends true ? never : K }[keyof M];
type In<T extends z.ZodType> = z.input<T>;

type SdkClientOf<T extends string> = Extract<SDK.RealtimeClientEvent, { type: T }>;
type SdkServerOf<T extends string> = Extract<SDK.RealtimeServerEvent, { type: T }>;

/** Checked first by the deep helpers: `string & {}` (the SDK's "any string") would otherwise be mapped as an object. */
type Primitive = string | number | boolean | bigint | symbol | null | undefined;
/** Requires `type` wherever the SDK left it optional, at any depth. */
type Tagged<T> = T extends Primitive
  ? T
  : T extends readonly (infer E)[]
  ? Tagged<E>[]
  : T extends object
    ? { [P in keyof T]: Tagged<T[P]> } & ('type' extends keyof T ? { type: Exclude<T['type' & keyof T], undefined> } : unknown)
    : T;
/** One well-formed variant of an SDK content bag: its tag, required payload keys, optional keys. */
type Variant<Bag extends { type?: string }, Tag extends NonNullable<Bag['type']>, Req extends keyof Bag = never, Opt extends keyof Bag = never> = {
  type: Tag;
} & Required<Pick<Bag, Req>> &
  Pick<Bag, Opt>;
/** Drops the open-ended `string & {}` member of an SDK "known values or any string" union. */
type KnownLiterals<T> = T extends string ? (string extends T ? never : T) : T;
/** Removes `null` from properties named K at any depth. */
type DropNull<T, K extends PropertyKey> = T extends Primitive
  ? T
  : T extends readonly (infer E)[]
  ? DropNull<E, K>[]
  : T extends object
    ? { [P in keyof T]: P extends K ? DropNull<Exclude<T[P], null>, K> : DropNull<T[P], K> }
    : T;
/** Removes union members assignable to V at any depth. */
type ExcludeDeep<T, V> = T extends V
  ? never
  : T extends Primitive
    ? T
    : T extends readonly (infer E)[]
      ? ExcludeDeep<E, V>[]
      : T extends object
        ? { [P in keyof T]: ExcludeDeep<T[P], V> }
        : T;

// ---- (1) Parley client events (z.infer) → SDK RealtimeClientEvent members ----
/** Parley's two documented extensions the SDK types lack (see header). */
type SdkView<E> = ExcludeDeep<DropNull<E, 'transcription' | 'noise_reduction'>, S.ItemReference>;
type ClientToSdk = { [T in S.ClientEventType]: Extends<SdkView<S.ClientEventOf<T>>, SdkClientOf<T>> };
type _ClientToSdk = NoFailures<`${Failures<ClientToSdk>}`>;
type _ItemReferenceToSdk = Assert<Extends<S.ItemReference, SDK.ConversationItemWithReference>>;
type _ClientItemToSdk = Assert<Extends<S.ClientItem, SDK.ConversationItem>>;

// ---- (2) SDK client events → Parley z.input (everything an SDK-typed client sends parses) ----
type UserBag = SDK.RealtimeConversationItemUserMessage.Content;
type AssistantBag = SDK.RealtimeConversationItemAssistantMessage.Content;
type SystemBag = SDK.RealtimeConversationItemSystemMessage.Content;
type WithContent<M, P> = Omit<M, 'content'> & { content: P[] };
type SdkItem =
  | WithContent<SDK.RealtimeConversationItemSystemMessage, Variant<SystemBag, 'input_text', 'text'>>
  | WithContent<
      SDK.RealtimeConversationItemUserMessage,
      Variant<UserBag, 'input_text', 'text'> | Variant<UserBag, 'input_audio', never, 'audio' | 'transcript'> | Variant<UserBag, 'input_image', 'image_url', 'detail'>
    >
  | WithContent<SDK.RealtimeConversationItemAssistantMessage, Variant<AssistantBag, 'output_text', 'text'> | Variant<AssistantBag, 'output_audio', never, 'audio' | 'transcript'>>
  // Every non-message item exactly as the SDK types it; a new SDK item type fails here.
  | Exclude<SDK.ConversationItem, { type: 'message' }>;
type SdkFunctionTool = Omit<SDK.RealtimeFunctionTool, 'type' | 'name' | 'parameters'> &
  Required<Pick<SDK.RealtimeFunctionTool, 'type' | 'name'>> & { parameters?: Record<string, unknown> };
type SdkSessionUpdateEvent = Omit<SDK.SessionUpdateEvent, 'session'> & {
  session:
    | (Omit<SDK.RealtimeSessionCreateRequest, 'audio' | 'tools'> & {
        audio?: Tagged<SDK.RealtimeAudioConfig>;
        tools?: (SdkFunctionTool | SDK.RealtimeToolsConfigUnion.Mcp)[];
      })
    | Tagged<SDK.RealtimeTranscriptionSessionCreateRequest>;
};
type SdkResponseParams = Omit<SDK.RealtimeResponseCreateParams, 'input' | 'tools' | 'conversation' | 'audio'> & {
  input?: SdkItem[];
  tools?: (SdkFunctionTool | SDK.RealtimeResponseCreateMcpTool)[];
  conversation?: KnownLiterals<NonNullable<SDK.RealtimeResponseCreateParams['conversation']>>;
  audio?: Tagged<SDK.RealtimeResponseCreateAudioOutput>;
};
type SdkClientNarrowed = {
  'session.update': SdkSessionUpdateEvent;
  'conversation.item.create': Omit<SDK.ConversationItemCreateEvent, 'item'> & { item: SdkItem };
  'response.create': Omit<SDK.ResponseCreateEvent, 'response'> & { response?: SdkResponseParams };
};
type SdkClientAsSent<T extends string> = T extends keyof SdkClientNarrowed ? SdkClientNarrowed[T] : SdkClientOf<T>;
type SdkToClient = { [T in SDK.RealtimeClientEvent['type']]: Extends<SdkClientAsSent<T>, Extract<S.ClientEventInput, { type: T }>> };
type _SdkToClient = NoFailures<`${Failures<SdkToClient>}`>;
/** Dotted paths of every key, at any depth and across union members. */
type KeyPaths<T> = T extends Primitive
  ? never
  : T extends readonly (infer E)[]
    ? KeyPaths<E>
    : T extends object
      ? { [K in keyof T & string]-?: K | `${K}.${KeyPaths<NonNullable<T[K]>>}` }[keyof T & string]
      : never;
/**
 * Assignability ignores extra keys, but Parley's client schemas are strict: every key the SDK
 * may send must exist in Parley's input type, or a new SDK field would be rejected at run time.
 * Fails listing `event: path` of each missing key.
 */
type MissingClientKeys = {
  [T in SDK.RealtimeClientEvent['type']]: `${T}: ${Exclude<KeyPaths<SdkClientAsSent<T>>, KeyPaths<Extract<S.ClientEventInput, { type: T }>>>}`;
}[SDK.RealtimeClientEvent['type']];
type _MissingClientKeys = NoFailures<`${MissingClientKeys}`>;
type _SdkItemToParley = Assert<Extends<SdkItem, In<typeof S.ClientItemSchema>>>;
type _SdkFormatToParley = Assert<Extends<Tagged<SDK.RealtimeAudioFormats>, S.AudioFormatInput>>;

// ---- (3) Parley server events (z.infer) → SDK RealtimeServerEvent members ----
type ServerToSdk = { [T in S.ServerEventType]: Extends<S.ServerEventOf<T>, SdkServerOf<T>> };
type _ServerToSdk = NoFailures<`${Failures<ServerToSdk>}`>;
type _ItemToSdk = Assert<Extends<S.Item, SDK.ConversationItem>>;
type _ResponseToSdk = Assert<Extends<S.ResponseObject, SDK.RealtimeResponse>>;
type _SessionToSdk = Assert<Extends<S.SessionConfig, SDK.RealtimeSessionCreateRequest>>;
type _FormatToSdk = Assert<Extends<S.AudioFormat, SDK.RealtimeAudioFormats>>;

// ---- (4) Same event names in both directions ----
/** Beta-era events still in the SDK's GA union; Parley's GA dialect emits `.added`/`.done` instead. */
type SdkBetaOnly = 'conversation.created' | 'conversation.item.created';
type _ClientTypes = [
  Assert<Extends<SDK.RealtimeClientEvent['type'], S.ClientEventType>>,
  Assert<Extends<S.ClientEventType, SDK.RealtimeClientEvent['type']>>,
];
type _ServerTypes = [
  Assert<Extends<Exclude<SDK.RealtimeServerEvent['type'], SdkBetaOnly>, S.ServerEventType>>,
  Assert<Extends<S.ServerEventType, SDK.RealtimeServerEvent['type']>>,
];

// ---- runtime ----

/** `[path, code]` of every issue, for compact assertions. */
function issues(schema: z.ZodType, value: unknown): [string, string][] {
  const r = schema.safeParse(value);
  assert.equal(r.success, false, 'expected the value to be rejected');
  return r.error!.issues.map((i) => [i.path.join('.'), i.code]);
}

function accepts(schema: z.ZodType, value: unknown): void {
  const r = schema.safeParse(value);
  assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues));
}

describe('doc samples parse', () => {
  it('§2.1 session object as a session.update', () => {
    accepts(S.ClientEventSchema, {
      type: 'session.update',
      event_id: 'evt_client_12',
      session: {
        type: 'realtime',
        model: 'gpt-realtime',
        output_modalities: ['audio'],
        instructions: 'You are ...',
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: 24000 },
            turn_detection: {
              type: 'server_vad',
              threshold: 0.5,
              prefix_padding_ms: 300,
              silence_duration_ms: 500,
              create_response: true,
              interrupt_response: true,
              idle_timeout_ms: null,
            },
            transcription: { model: 'gpt-4o-transcribe', language: 'en', prompt: '' },
            noise_reduction: { type: 'near_field' },
          },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1.0 },
        },
        tools: [
          {
            type: 'function',
            name: 'get_weather',
            description: '...',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
        tool_choice: 'auto',
        max_output_tokens: 'inf',
        truncation: 'auto',
        tracing: null,
        prompt: null,
        include: ['item.input_audio_transcription.logprobs'],
      },
    });
  });

  it('§1.5 client-secret session and §2.1 alternatives (semantic VAD, retention truncation, mcp tool choice)', () => {
    accepts(S.SessionUpdateSchema, { type: 'realtime', model: 'gpt-realtime', instructions: '...', audio: { output: { voice: 'marin' } } });
    accepts(S.SessionUpdateSchema, {
      type: 'realtime',
      audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true } } },
      truncation: { type: 'retention_ratio', retention_ratio: 0.8, token_limits: { post_instructions: 8000 } },
      tool_choice: { type: 'mcp', server_label: 'docs', name: 'search' },
      tracing: { workflow_name: 'support', group_id: 'g1', metadata: { tier: 'gold' } },
      prompt: { id: 'pmpt_123', version: '3', variables: { city: 'Paris' } },
    });
  });

  it('§3 response.create example', () => {
    accepts(S.ClientEventSchema, {
      type: 'response.create',
      response: {
        conversation: 'auto',
        input: [
          { type: 'item_reference', id: 'item_abc' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Classify the last turn' }] },
        ],
        instructions: '...',
        tools: [],
        tool_choice: 'auto',
        output_modalities: ['text'],
        audio: { output: { voice: 'marin', format: { type: 'audio/pcmu' } } },
        max_output_tokens: 200,
        metadata: { purpose: 'classifier' },
        prompt: null,
      },
    });
  });

  it('§5 items as conversation.item.create', () => {
    const items = [
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'User is now asking about billing.' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'hi' },
          { type: 'input_audio', audio: 'AAAA', transcript: null },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
        ],
      },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript: 'Sure, one moment.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '...' }] },
      { type: 'function_call', call_id: 'call_123', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_123', output: '{"temp_c":18}' },
    ];
    for (const item of items) accepts(S.ClientEventSchema, { type: 'conversation.item.create', item });
    // `item_reference` is only valid inside response.create.response.input.
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'conversation.item.create', item: { type: 'item_reference', id: 'item_abc' } }), [
      ['item.type', 'invalid_union'],
    ]);
  });

  it('§4.1 error event', () => {
    const r = S.parseServerEvent({
      type: 'error',
      event_id: 'event_890',
      error: {
        type: 'invalid_request_error',
        code: 'unknown_parameter',
        message: "Unknown parameter: 'session.voice'.",
        param: 'session.voice',
        event_id: 'evt_client_12',
      },
    });
    assert.equal(r.known, true);
    assert.equal(r.event.type, 'error');
  });

  it('§5 response object in response.done', () => {
    const r = S.ServerEventSchema.parse({
      type: 'response.done',
      event_id: 'event_1',
      response: {
        object: 'realtime.response',
        id: 'resp_1',
        status: 'cancelled',
        status_details: { type: 'cancelled', reason: 'turn_detected' },
        output: [{ type: 'message', role: 'assistant', status: 'incomplete', content: [{ type: 'output_audio', transcript: 'Sure' }] }],
        conversation_id: 'conv_1',
        output_modalities: ['audio'],
        audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } },
        max_output_tokens: 'inf',
        metadata: null,
        usage: {
          total_tokens: 1200,
          input_tokens: 900,
          output_tokens: 300,
          input_token_details: { text_tokens: 100, audio_tokens: 800, image_tokens: 0, cached_tokens: 64, cached_tokens_details: { text_tokens: 64 } },
          output_token_details: { text_tokens: 60, audio_tokens: 240 },
        },
      },
    });
    assert.equal(r.type === 'response.done' && r.response.status_details?.reason, 'turn_detected');
  });
});

describe('SDK-typed events parse', () => {
  it('every SDK client event type', () => {
    const events = [
      {
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: {
            input: { format: { type: 'audio/pcmu' }, transcription: { model: 'whisper-1', delay: 'low' }, turn_detection: null },
            output: { voice: { id: 'voice_1234' }, speed: 1.2 },
          },
          tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }, { type: 'mcp', server_label: 'docs', require_approval: 'never' }],
          reasoning: { effort: 'low' },
          parallel_tool_calls: false,
        },
      } satisfies SDK.SessionUpdateEvent,
      { type: 'session.update', session: { type: 'transcription', audio: { input: { noise_reduction: { type: 'far_field' } } } } } satisfies SDK.SessionUpdateEvent,
      { type: 'input_audio_buffer.append', audio: 'UklGRg==', event_id: 'e1' } satisfies SDK.InputAudioBufferAppendEvent,
      { type: 'input_audio_buffer.commit' } satisfies SDK.InputAudioBufferCommitEvent,
      { type: 'input_audio_buffer.clear' } satisfies SDK.InputAudioBufferClearEvent,
      { type: 'output_audio_buffer.clear' } satisfies SDK.OutputAudioBufferClearEvent,
      {
        type: 'conversation.item.create',
        previous_item_id: 'root',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
      } satisfies SDK.ConversationItemCreateEvent,
      { type: 'conversation.item.create', item: { type: 'function_call', name: 'lookup', arguments: '{}' } } satisfies SDK.ConversationItemCreateEvent,
      {
        type: 'conversation.item.create',
        item: { type: 'mcp_approval_response', id: 'mcpr_1', approval_request_id: 'mcpa_1', approve: true },
      } satisfies SDK.ConversationItemCreateEvent,
      { type: 'conversation.item.retrieve', item_id: 'item_1' } satisfies SDK.ConversationItemRetrieveEvent,
      { type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: 1500 } satisfies SDK.ConversationItemTruncateEvent,
      { type: 'conversation.item.delete', item_id: 'item_1' } satisfies SDK.ConversationItemDeleteEvent,
      {
        type: 'response.create',
        response: {
          conversation: 'none',
          input: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }],
          metadata: { purpose: 'classifier' },
          tool_choice: { type: 'function', name: 'lookup' },
          audio: { output: { format: { type: 'audio/pcma' } } },
        },
      } satisfies SDK.ResponseCreateEvent,
      { type: 'response.cancel', response_id: 'resp_1' } satisfies SDK.ResponseCancelEvent,
    ];
    for (const e of events) accepts(S.ClientEventSchema, e);
    // Every SDK client event type appears above.
    assert.deepEqual(new Set(events.map((e) => e.type)), new Set(S.CLIENT_EVENT_TYPES));
  });

  it('SDK-typed server events parse (what Parley reads from an SDK-conformant upstream)', () => {
    const part = {
      type: 'response.content_part.added',
      event_id: 'e1',
      response_id: 'resp_1',
      item_id: 'item_1',
      output_index: 0,
      content_index: 0,
      part: { type: 'audio', transcript: '' },
    } satisfies SDK.ResponseContentPartAddedEvent;
    const parsed = S.ServerEventSchema.parse(part);
    assert.deepEqual(parsed, part);

    const done = {
      type: 'response.done',
      event_id: 'e2',
      response: { object: 'realtime.response', id: 'resp_1', status: 'completed', output: [], output_modalities: ['text'], max_output_tokens: 'inf', metadata: null },
    } satisfies SDK.ResponseDoneEvent;
    assert.equal(S.parseServerEvent(done).known, true);

    const added = {
      type: 'conversation.item.added',
      event_id: 'e3',
      previous_item_id: null,
      item: { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '' },
    } satisfies SDK.ConversationItemAdded;
    assert.equal(S.parseServerEvent(added).known, true);
  });
});

describe('invalid events fail at the expected path', () => {
  it('missing type', () => {
    assert.deepEqual(issues(S.ClientEventSchema, { session: { type: 'realtime' } }), [['type', 'invalid_union']]);
  });

  it('wrong enum value', () => {
    const bad = { type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'fast' } } } } };
    assert.deepEqual(issues(S.ClientEventSchema, bad), [['session.audio.input.turn_detection.eagerness', 'invalid_value']]);
  });

  it('beta field on a GA session.update (`session.voice`)', () => {
    const r = S.ClientEventSchema.safeParse({ type: 'session.update', session: { type: 'realtime', voice: 'alloy' } });
    assert.equal(r.success, false);
    const issue = r.error!.issues[0]!;
    assert.equal(issue.code, 'unrecognized_keys');
    assert.deepEqual(issue.path, ['session']);
    assert.deepEqual(issue.code === 'unrecognized_keys' && issue.keys, ['voice']);
  });

  it('negative audio_end_ms', () => {
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: -1 }), [
      ['audio_end_ms', 'too_small'],
    ]);
  });

  it('metadata with 17 pairs', () => {
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'response.create', response: { metadata } }), [['response.metadata', 'custom']]);
  });
});
