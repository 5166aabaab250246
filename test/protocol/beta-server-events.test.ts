import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Beta from 'openai/resources/beta/realtime/realtime';
import type * as GA from 'openai/resources/realtime/realtime';
import type { RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import { gaServerEventToBeta } from '../../src/protocol/beta/index.js';

// GA servers send `output_audio`/`output_text` part types, although the SDK types `part.type` as `audio`/`text` (doc §4).
type WithGAPart<E extends { part: object }> = Omit<E, 'part'> & { part: Omit<E['part'], 'type'> & { type: 'output_audio' | 'output_text' } };
type GAEvent = GA.RealtimeServerEvent | WithGAPart<GA.ResponseContentPartAddedEvent> | WithGAPart<GA.ResponseContentPartDoneEvent>;

const translateAll = (events: Array<Record<string, unknown> & { type: string }>) => events.flatMap(gaServerEventToBeta);

const RESP = 'resp_B1';
const USER = 'item_U1';
const ASSISTANT = 'item_A1';
const part = { response_id: RESP, item_id: ASSISTANT, output_index: 0, content_index: 0 };
const usage = { total_tokens: 60, input_tokens: 40, output_tokens: 20, input_token_details: { text_tokens: 10, audio_tokens: 30, cached_tokens: 0 }, output_token_details: { text_tokens: 5, audio_tokens: 15 } };
const rateLimits = [{ name: 'requests', limit: 1000, remaining: 999, reset_seconds: 0.06 }] satisfies GA.RateLimitsUpdatedEvent.RateLimit[];

const gaAssistantItem = (status: 'in_progress' | 'completed', content: GA.RealtimeConversationItemAssistantMessage.Content[]) =>
  ({ id: ASSISTANT, object: 'realtime.item', type: 'message', role: 'assistant', status, content }) satisfies GA.RealtimeConversationItemAssistantMessage;
const betaAssistantItem = (status: 'in_progress' | 'completed', content: Beta.ConversationItemContent[]) =>
  ({ id: ASSISTANT, object: 'realtime.item', type: 'message', role: 'assistant', status, content }) satisfies Beta.ConversationItem;
const userItem = { id: USER, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio' }] } satisfies GA.RealtimeConversationItemUserMessage;

const gaResponse = { object: 'realtime.response', id: RESP, conversation_id: 'conv_1', output_modalities: ['audio'], audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } }, max_output_tokens: 'inf', metadata: null } satisfies GA.RealtimeResponse;
const betaResponse = { object: 'realtime.response', id: RESP, conversation_id: 'conv_1', modalities: ['text', 'audio'], output_audio_format: 'pcm16', voice: 'marin', max_output_tokens: 'inf', metadata: null } satisfies Beta.RealtimeResponse;

// Doc §6 B (user turn with server_vad) followed by C (audio response), as a GA server sends it.
const gaTurn = [
  { type: 'input_audio_buffer.speech_started', event_id: 'event_01', audio_start_ms: 1000, item_id: USER },
  { type: 'input_audio_buffer.speech_stopped', event_id: 'event_02', audio_end_ms: 2400, item_id: USER },
  { type: 'input_audio_buffer.committed', event_id: 'event_03', item_id: USER, previous_item_id: null },
  { type: 'conversation.item.added', event_id: 'event_04', item: userItem, previous_item_id: null },
  { type: 'conversation.item.done', event_id: 'event_05', item: userItem, previous_item_id: null },
  { type: 'response.created', event_id: 'event_06', response: { ...gaResponse, status: 'in_progress', output: [] } },
  { type: 'conversation.item.input_audio_transcription.delta', event_id: 'event_07', item_id: USER, content_index: 0, delta: 'Hi' },
  { type: 'response.output_item.added', event_id: 'event_08', response_id: RESP, output_index: 0, item: gaAssistantItem('in_progress', []) },
  { type: 'conversation.item.added', event_id: 'event_09', item: gaAssistantItem('in_progress', []), previous_item_id: USER },
  { type: 'response.content_part.added', event_id: 'event_10', ...part, part: { type: 'output_audio', transcript: '' } },
  { type: 'response.output_audio.delta', event_id: 'event_11', ...part, delta: 'AAAA' },
  { type: 'response.output_audio_transcript.delta', event_id: 'event_12', ...part, delta: 'Hello' },
  { type: 'conversation.item.input_audio_transcription.completed', event_id: 'event_13', item_id: USER, content_index: 0, transcript: 'Hi', usage: { type: 'duration', seconds: 1.4 } },
  { type: 'response.output_audio.delta', event_id: 'event_14', ...part, delta: 'AAAA' },
  { type: 'response.output_audio_transcript.delta', event_id: 'event_15', ...part, delta: ' there' },
  { type: 'response.output_audio.done', event_id: 'event_16', ...part },
  { type: 'response.output_audio_transcript.done', event_id: 'event_17', ...part, transcript: 'Hello there' },
  { type: 'response.content_part.done', event_id: 'event_18', ...part, part: { type: 'output_audio', transcript: 'Hello there' } },
  { type: 'response.output_item.done', event_id: 'event_19', response_id: RESP, output_index: 0, item: gaAssistantItem('completed', [{ type: 'output_audio', transcript: 'Hello there' }]) },
  { type: 'conversation.item.done', event_id: 'event_20', item: gaAssistantItem('completed', [{ type: 'output_audio', transcript: 'Hello there' }]), previous_item_id: USER },
  { type: 'response.done', event_id: 'event_21', response: { ...gaResponse, status: 'completed', output: [gaAssistantItem('completed', [{ type: 'output_audio', transcript: 'Hello there' }])], usage } },
  { type: 'rate_limits.updated', event_id: 'event_22', rate_limits: rateLimits },
] satisfies GAEvent[];

// What a beta server sent for the same turn: one `.created` per item, beta names and content types.
const betaTurn = [
  { type: 'input_audio_buffer.speech_started', event_id: 'event_01', audio_start_ms: 1000, item_id: USER },
  { type: 'input_audio_buffer.speech_stopped', event_id: 'event_02', audio_end_ms: 2400, item_id: USER },
  { type: 'input_audio_buffer.committed', event_id: 'event_03', item_id: USER, previous_item_id: null },
  { type: 'conversation.item.created', event_id: 'event_04', item: userItem, previous_item_id: null },
  { type: 'response.created', event_id: 'event_06', response: { ...betaResponse, status: 'in_progress', output: [] } },
  { type: 'conversation.item.input_audio_transcription.delta', event_id: 'event_07', item_id: USER, content_index: 0, delta: 'Hi' },
  { type: 'response.output_item.added', event_id: 'event_08', response_id: RESP, output_index: 0, item: betaAssistantItem('in_progress', []) },
  { type: 'conversation.item.created', event_id: 'event_09', item: betaAssistantItem('in_progress', []), previous_item_id: USER },
  { type: 'response.content_part.added', event_id: 'event_10', ...part, part: { type: 'audio', transcript: '' } },
  { type: 'response.audio.delta', event_id: 'event_11', ...part, delta: 'AAAA' },
  { type: 'response.audio_transcript.delta', event_id: 'event_12', ...part, delta: 'Hello' },
  { type: 'conversation.item.input_audio_transcription.completed', event_id: 'event_13', item_id: USER, content_index: 0, transcript: 'Hi', usage: { type: 'duration', seconds: 1.4 } },
  { type: 'response.audio.delta', event_id: 'event_14', ...part, delta: 'AAAA' },
  { type: 'response.audio_transcript.delta', event_id: 'event_15', ...part, delta: ' there' },
  { type: 'response.audio.done', event_id: 'event_16', ...part },
  { type: 'response.audio_transcript.done', event_id: 'event_17', ...part, transcript: 'Hello there' },
  { type: 'response.content_part.done', event_id: 'event_18', ...part, part: { type: 'audio', transcript: 'Hello there' } },
  { type: 'response.output_item.done', event_id: 'event_19', response_id: RESP, output_index: 0, item: betaAssistantItem('completed', [{ type: 'audio', transcript: 'Hello there' }]) },
  { type: 'response.done', event_id: 'event_21', response: { ...betaResponse, status: 'completed', output: [betaAssistantItem('completed', [{ type: 'audio', transcript: 'Hello there' }])], usage } },
  { type: 'rate_limits.updated', event_id: 'event_22', rate_limits: rateLimits },
] satisfies Beta.RealtimeServerEvent[];

describe('a GA user turn and audio response (doc §6 B + C) seen by a beta client', () => {
  const translated = translateAll(gaTurn);

  it('is exactly the beta event stream, in order', () => {
    assert.deepEqual(translated, betaTurn);
  });

  it('contains no GA-only name anywhere', () => {
    for (const { type } of translated) {
      assert.doesNotMatch(String(type), /^response\.output_(text|audio)/);
      assert.notEqual(type, 'conversation.item.added');
      assert.notEqual(type, 'conversation.item.done');
    }
    assert.doesNotMatch(JSON.stringify(translated), /"(output_text|output_audio|output_modalities)"/);
  });

  it('keeps event ids unique', () => {
    const ids = translated.map((e) => e.event_id);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('GA events renamed for beta', () => {
  const renamed = [
    ['response.output_text.delta', 'response.text.delta', { delta: 'Hel' }],
    ['response.output_text.done', 'response.text.done', { text: 'Hello' }],
    ['response.output_audio.delta', 'response.audio.delta', { delta: 'AAAA' }],
    ['response.output_audio.done', 'response.audio.done', {}],
    ['response.output_audio_transcript.delta', 'response.audio_transcript.delta', { delta: 'Hel' }],
    ['response.output_audio_transcript.done', 'response.audio_transcript.done', { transcript: 'Hello' }],
  ] as const;
  for (const [ga, beta, fields] of renamed) {
    it(`${ga} → ${beta}, fields unchanged`, () => {
      assert.deepEqual(gaServerEventToBeta({ type: ga, event_id: 'event_1', ...part, ...fields }), [{ type: beta, event_id: 'event_1', ...part, ...fields }]);
    });
  }
});

describe('session events', () => {
  const gaSession = { type: 'realtime', object: 'realtime.session', id: 'sess_C9Ci', model: 'gpt-realtime', expires_at: 1756324625, output_modalities: ['text'], audio: { output: { voice: 'cedar' } }, max_output_tokens: 4096 } satisfies RealtimeSessionCreateResponse;
  const betaSession = { object: 'realtime.session', id: 'sess_C9Ci', model: 'gpt-realtime', expires_at: 1756324625, modalities: ['text'], voice: 'cedar', max_response_output_tokens: 4096, temperature: 0.8 } satisfies GA.RealtimeSession;

  it('session.created becomes beta session.created followed by conversation.created with a derived id', () => {
    const out = gaServerEventToBeta({ type: 'session.created', event_id: 'event_S1', session: gaSession });
    const expected = [
      { type: 'session.created', event_id: 'event_S1', session: betaSession },
      { type: 'conversation.created', event_id: 'event_S1_conv', conversation: { id: 'conv_C9Ci', object: 'realtime.conversation' } },
    ] satisfies Array<Beta.ConversationCreatedEvent | (Omit<Beta.SessionCreatedEvent, 'session'> & { session: GA.RealtimeSession })>;
    assert.deepEqual(out, expected);
  });

  it('session.updated carries the beta session and no conversation.created', () => {
    assert.deepEqual(gaServerEventToBeta({ type: 'session.updated', event_id: 'event_S2', session: gaSession }), [
      { type: 'session.updated', event_id: 'event_S2', session: betaSession },
    ]);
  });

  it('transcription sessions use the beta transcription_session.* names', () => {
    const session = { type: 'transcription', id: 'sess_T1', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'whisper-1' } } } };
    const betaTranscription = { id: 'sess_T1', input_audio_format: 'pcm16', input_audio_transcription: { model: 'whisper-1' } };
    assert.deepEqual(gaServerEventToBeta({ type: 'session.created', event_id: 'e1', session }), [
      { type: 'transcription_session.created', event_id: 'e1', session: betaTranscription },
    ]);
    assert.deepEqual(gaServerEventToBeta({ type: 'session.updated', event_id: 'e2', session }), [
      { type: 'transcription_session.updated', event_id: 'e2', session: betaTranscription },
    ]);
  });
});

describe('responses and items', () => {
  it('translates a cancelled response.done with a function call and a µ-law text+audio message', () => {
    const ga = {
      type: 'response.done',
      event_id: 'event_R9',
      response: {
        object: 'realtime.response',
        id: 'resp_9',
        status: 'cancelled',
        status_details: { type: 'cancelled', reason: 'turn_detected' },
        output_modalities: ['audio'],
        audio: { output: { format: { type: 'audio/pcmu' }, voice: 'alloy' } },
        output: [
          { type: 'function_call', id: 'item_F', call_id: 'call_1', name: 'get_weather', arguments: '{}', status: 'completed' },
          { type: 'message', role: 'assistant', id: 'item_M', status: 'incomplete', content: [{ type: 'output_audio', transcript: 'It is' }, { type: 'output_text', text: 'note' }] },
        ],
        usage: { total_tokens: 5, input_tokens: 3, output_tokens: 2 },
      },
    } satisfies GA.ResponseDoneEvent;
    const expected = {
      type: 'response.done',
      event_id: 'event_R9',
      response: {
        object: 'realtime.response',
        id: 'resp_9',
        status: 'cancelled',
        status_details: { type: 'cancelled', reason: 'turn_detected' },
        modalities: ['text', 'audio'],
        output_audio_format: 'g711_ulaw',
        voice: 'alloy',
        output: [
          { type: 'function_call', id: 'item_F', call_id: 'call_1', name: 'get_weather', arguments: '{}', status: 'completed' },
          { type: 'message', role: 'assistant', id: 'item_M', status: 'incomplete', content: [{ type: 'audio', transcript: 'It is' }, { type: 'text', text: 'note' }] },
        ],
        usage: { total_tokens: 5, input_tokens: 3, output_tokens: 2 },
      },
    } satisfies Beta.ResponseDoneEvent;
    assert.deepEqual(gaServerEventToBeta(ga), [expected]);
  });

  it('translates text content parts and leaves parts already named text/audio', () => {
    const textPart = { type: 'response.content_part.added', event_id: 'e1', ...part, part: { type: 'output_text', text: '' } } satisfies WithGAPart<GA.ResponseContentPartAddedEvent>;
    assert.deepEqual(gaServerEventToBeta(textPart), [{ ...textPart, part: { type: 'text', text: '' } }]);
    const sdkPart = { type: 'response.content_part.done', event_id: 'e2', ...part, part: { type: 'audio', transcript: 'x' } } satisfies GA.ResponseContentPartDoneEvent;
    assert.deepEqual(gaServerEventToBeta(sdkPart), [sdkPart]);
  });

  it('translates the item of conversation.item.retrieved, audio included', () => {
    const ga = { type: 'conversation.item.retrieved', event_id: 'e3', item: gaAssistantItem('completed', [{ type: 'output_audio', audio: 'AAAA', transcript: 'Hi' }]) } satisfies GAEvent;
    assert.deepEqual(gaServerEventToBeta(ga), [
      { type: 'conversation.item.retrieved', event_id: 'e3', item: betaAssistantItem('completed', [{ type: 'audio', audio: 'AAAA', transcript: 'Hi' }]) },
    ] satisfies Beta.RealtimeServerEvent[]);
  });

  it('keeps GA `name` on response.function_call_arguments.done (harmless extra for beta clients)', () => {
    const ga = { type: 'response.function_call_arguments.done', event_id: 'e4', response_id: RESP, item_id: 'item_F', output_index: 0, call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' } satisfies GA.ResponseFunctionCallArgumentsDoneEvent;
    assert.deepEqual(gaServerEventToBeta(ga), [ga]);
  });
});

describe('events beta clients know by the same name pass unchanged', () => {
  const same = [
    { type: 'input_audio_buffer.cleared', event_id: 'e1' },
    { type: 'conversation.item.input_audio_transcription.failed', event_id: 'e2', item_id: USER, content_index: 0, error: { type: 'server_error', message: 'asr down' } },
    { type: 'conversation.item.truncated', event_id: 'e3', item_id: ASSISTANT, content_index: 0, audio_end_ms: 800 },
    { type: 'conversation.item.deleted', event_id: 'e4', item_id: ASSISTANT },
    { type: 'error', event_id: 'e5', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: "Unknown parameter: 'session.foo'.", param: 'session.foo', event_id: 'evt_c1' } },
    { type: 'response.function_call_arguments.delta', event_id: 'e6', response_id: RESP, item_id: 'item_F', output_index: 0, call_id: 'call_1', delta: '{"ci' },
    { type: 'output_audio_buffer.started', event_id: 'e7', response_id: RESP },
    { type: 'output_audio_buffer.cleared', event_id: 'e8', response_id: RESP },
  ] satisfies Array<GA.RealtimeServerEvent & Beta.RealtimeServerEvent>;
  for (const event of same) {
    it(event.type, () => assert.deepEqual(gaServerEventToBeta(event), [event]));
  }

  it('an event unknown to both passes through rather than vanishing', () => {
    const custom = { type: 'parley.call.ended', event_id: 'e9', reason: 'hangup' };
    assert.deepEqual(gaServerEventToBeta(custom), [custom]);
  });
});

describe('GA-only events are dropped for beta clients', () => {
  const dropped = [
    { type: 'conversation.item.done', event_id: 'e1', item: userItem },
    { type: 'conversation.item.input_audio_transcription.segment', event_id: 'e2', id: 'seg_1', item_id: USER, content_index: 0, text: 'hi', speaker: 'A', start: 0, end: 0.5 },
    { type: 'input_audio_buffer.timeout_triggered', event_id: 'e3', item_id: USER, audio_start_ms: 0, audio_end_ms: 6000 },
    { type: 'input_audio_buffer.dtmf_event_received', event: '5', received_at: 1756324625 },
    { type: 'mcp_list_tools.completed', event_id: 'e4', item_id: 'item_L' },
    { type: 'response.mcp_call_arguments.delta', event_id: 'e5', response_id: RESP, item_id: 'item_C', output_index: 0, delta: '{' },
    { type: 'response.mcp_call.completed', event_id: 'e6', item_id: 'item_C', output_index: 0 },
  ] satisfies GA.RealtimeServerEvent[];
  for (const event of dropped) {
    it(event.type, () => assert.deepEqual(gaServerEventToBeta(event), []));
  }
});

describe('malformed GA server events never throw', () => {
  const cases = [
    { type: 'session.created', event_id: 'e1', session: null },
    { type: 'session.updated', event_id: 'e2' },
    { type: 'response.done', event_id: 'e3', response: 'x' },
    { type: 'response.output_item.added', event_id: 'e4', item: [1, 2] },
    { type: 'response.content_part.added', event_id: 'e5', part: 5 },
    { type: 'response.output_item.done', event_id: 'e6', item: { content: 'not a list' } },
  ];
  for (const event of cases) {
    it(`${event.type} with ${JSON.stringify(event)} comes back as it was`, () => {
      assert.deepEqual(gaServerEventToBeta(event), [event]);
    });
  }

  it('conversation.item.added without an item is still renamed and gains no item field', () => {
    assert.deepEqual(gaServerEventToBeta({ type: 'conversation.item.added', event_id: 'e7' }), [{ type: 'conversation.item.created', event_id: 'e7' }]);
  });

  it('session.created without ids still yields conversation.created', () => {
    assert.deepEqual(gaServerEventToBeta({ type: 'session.created', session: { type: 'realtime' } }), [
      { type: 'session.created', session: { temperature: 0.8 } },
      { type: 'conversation.created', conversation: { object: 'realtime.conversation' } },
    ]);
  });
});
