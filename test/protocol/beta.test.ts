// Doc §2.3 "Beta ↔ GA mapping", one test per row. The two REST rows (client
// secrets, WebRTC endpoint) are HTTP routes, not event translation, and are not here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Beta from 'openai/resources/beta/realtime/realtime';
import type * as GA from 'openai/resources/realtime/realtime';
import {
  betaClientEventToGA,
  betaSessionToGA,
  gaServerEventToBeta,
  gaSessionToBeta,
  isBetaClient,
} from '../../src/protocol/beta/index.js';

// The beta API took `null` to switch these off, as GA does; the SDK's beta update type omits it.
type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] | null };
type BetaSessionFields = Nullable<Beta.SessionUpdateEvent.Session, 'turn_detection' | 'input_audio_transcription' | 'input_audio_noise_reduction'>;

interface SessionRow {
  row: string;
  beta: BetaSessionFields;
  ga: Record<string, unknown>;
  /** false where GA → beta is not this row read backwards. */
  reversible?: false;
  warnings?: string[];
}

const pcm = { type: 'audio/pcm', rate: 24000 } as const;
const semanticVad = { type: 'semantic_vad', eagerness: 'low', create_response: true, interrupt_response: false } as const;

const SESSION_ROWS: SessionRow[] = [
  { row: 'modalities ["text","audio"] ⇄ output_modalities ["audio"]', beta: { modalities: ['text', 'audio'] }, ga: { output_modalities: ['audio'] } },
  { row: 'modalities ["text"] ⇄ output_modalities ["text"]', beta: { modalities: ['text'] }, ga: { output_modalities: ['text'] } },
  { row: 'modalities ["audio"] → output_modalities ["audio"]', beta: { modalities: ['audio'] }, ga: { output_modalities: ['audio'] }, reversible: false },
  { row: 'input_audio_format "pcm16" ⇄ audio.input.format {audio/pcm, 24000}', beta: { input_audio_format: 'pcm16' }, ga: { audio: { input: { format: pcm } } } },
  { row: 'input_audio_format "g711_ulaw" ⇄ {type:"audio/pcmu"}', beta: { input_audio_format: 'g711_ulaw' }, ga: { audio: { input: { format: { type: 'audio/pcmu' } } } } },
  { row: 'input_audio_format "g711_alaw" ⇄ {type:"audio/pcma"}', beta: { input_audio_format: 'g711_alaw' }, ga: { audio: { input: { format: { type: 'audio/pcma' } } } } },
  { row: 'output_audio_format ⇄ audio.output.format', beta: { output_audio_format: 'g711_ulaw' }, ga: { audio: { output: { format: { type: 'audio/pcmu' } } } } },
  { row: 'voice ⇄ audio.output.voice', beta: { voice: 'coral' }, ga: { audio: { output: { voice: 'coral' } } } },
  { row: 'speed ⇄ audio.output.speed', beta: { speed: 1.25 }, ga: { audio: { output: { speed: 1.25 } } } },
  { row: 'turn_detection ⇄ audio.input.turn_detection', beta: { turn_detection: semanticVad }, ga: { audio: { input: { turn_detection: semanticVad } } } },
  { row: 'turn_detection null ⇄ audio.input.turn_detection null', beta: { turn_detection: null }, ga: { audio: { input: { turn_detection: null } } } },
  {
    row: 'input_audio_transcription ⇄ audio.input.transcription',
    beta: { input_audio_transcription: { model: 'gpt-4o-transcribe', language: 'de', prompt: 'Parley' } },
    ga: { audio: { input: { transcription: { model: 'gpt-4o-transcribe', language: 'de', prompt: 'Parley' } } } },
  },
  { row: 'input_audio_noise_reduction ⇄ audio.input.noise_reduction', beta: { input_audio_noise_reduction: { type: 'far_field' } }, ga: { audio: { input: { noise_reduction: { type: 'far_field' } } } } },
  { row: 'max_response_output_tokens ⇄ max_output_tokens', beta: { max_response_output_tokens: 512 }, ga: { max_output_tokens: 512 } },
  { row: 'max_response_output_tokens "inf" ⇄ max_output_tokens "inf"', beta: { max_response_output_tokens: 'inf' }, ga: { max_output_tokens: 'inf' } },
  {
    row: 'temperature → removed (with a warning)',
    beta: { temperature: 0.6 },
    ga: {},
    reversible: false,
    warnings: ['session.temperature has no GA equivalent and was ignored'],
  },
];

describe('doc §2.3: session fields', () => {
  for (const { row, beta, ga, reversible, warnings = [] } of SESSION_ROWS) {
    it(row, () => {
      const collected: string[] = [];
      assert.deepEqual(betaSessionToGA(beta, collected), { type: 'realtime', ...ga });
      assert.deepEqual(collected, warnings);
      if (reversible !== false) {
        assert.deepEqual(gaSessionToBeta({ type: 'realtime', ...ga }), { temperature: 0.8, ...beta });
      }
    });
  }

  it('— ⇄ truncation, prompt, include, reasoning, parallel_tool_calls (GA-only: kept both ways)', () => {
    const gaOnly = {
      truncation: { type: 'retention_ratio', retention_ratio: 0.8 },
      prompt: { id: 'pmpt_1', version: '3' },
      include: ['item.input_audio_transcription.logprobs'],
      reasoning: { effort: 'low' },
      parallel_tool_calls: false,
    } satisfies Partial<GA.RealtimeSessionCreateRequest>;
    assert.deepEqual(betaSessionToGA(gaSessionToBeta({ type: 'realtime', ...gaOnly })), { type: 'realtime', ...gaOnly });
  });
});

describe('doc §2.3: connection', () => {
  it('header OpenAI-Beta: realtime=v1 ⇄ no header', () => {
    assert.equal(isBetaClient({ 'openai-beta': 'realtime=v1' }, []), true);
    assert.equal(isBetaClient({ authorization: 'Bearer sk-test' }, ['realtime']), false);
  });
});

interface ClientRow {
  row: string;
  beta: Beta.RealtimeClientEvent;
  ga: unknown;
}

const CLIENT_ROWS: ClientRow[] = [
  {
    row: '(no type) ⇄ session.type "realtime"',
    beta: { type: 'session.update', session: { instructions: 'Hi' } },
    ga: { type: 'session.update', session: { type: 'realtime', instructions: 'Hi' } } satisfies GA.SessionUpdateEvent,
  },
  {
    row: 'transcription_session.update ⇄ session.update with type "transcription"',
    beta: { type: 'transcription_session.update', session: { input_audio_transcription: { model: 'whisper-1' } } },
    ga: { type: 'session.update', session: { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1' } } } } } satisfies GA.SessionUpdateEvent,
  },
  {
    row: 'response.create.response.modalities / voice / output_audio_format ⇄ output_modalities / audio.output.voice / audio.output.format',
    beta: { type: 'response.create', response: { modalities: ['text'], voice: 'sage', output_audio_format: 'pcm16' } },
    ga: {
      type: 'response.create',
      response: { output_modalities: ['text'], audio: { output: { voice: 'sage', format: pcm } } },
    } satisfies GA.ResponseCreateEvent,
  },
  {
    row: 'assistant content text / audio ⇄ output_text / output_audio (client → server)',
    beta: { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'audio', transcript: 'b' }] } },
    ga: {
      type: 'conversation.item.create',
      item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }, { type: 'output_audio', transcript: 'b' }] },
    } satisfies GA.ConversationItemCreateEvent,
  },
];

describe('doc §2.3: client events', () => {
  for (const { row, beta, ga } of CLIENT_ROWS) {
    it(row, () => assert.deepEqual(betaClientEventToGA(beta).events, [ga]));
  }
});

const ids = { event_id: 'event_1', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0 };
const assistant = { id: 'item_1', type: 'message', role: 'assistant', status: 'completed' } as const;

// Over WebSocket the beta transcription session carried no `client_secret` (a REST-only field the SDK marks required).
type TranscriptionSessionUpdatedOverWS = Omit<Beta.TranscriptionSessionUpdatedEvent, 'session'> & {
  session: Omit<Beta.TranscriptionSessionUpdatedEvent['session'], 'client_secret'>;
};

interface ServerRow {
  row: string;
  ga: Record<string, unknown> & { type: string };
  beta: Array<Beta.RealtimeServerEvent | TranscriptionSessionUpdatedOverWS>;
}

const SERVER_ROWS: ServerRow[] = [
  {
    row: 'response.text.* ⇄ response.output_text.*',
    ga: { type: 'response.output_text.done', ...ids, text: 'Hi' } satisfies GA.ResponseTextDoneEvent,
    beta: [{ type: 'response.text.done', ...ids, text: 'Hi' }],
  },
  {
    row: 'response.audio.* ⇄ response.output_audio.*',
    ga: { type: 'response.output_audio.delta', ...ids, delta: 'AAAA' } satisfies GA.ResponseAudioDeltaEvent,
    beta: [{ type: 'response.audio.delta', ...ids, delta: 'AAAA' }],
  },
  {
    row: 'response.audio_transcript.* ⇄ response.output_audio_transcript.*',
    ga: { type: 'response.output_audio_transcript.delta', ...ids, delta: 'Hi' } satisfies GA.ResponseAudioTranscriptDeltaEvent,
    beta: [{ type: 'response.audio_transcript.delta', ...ids, delta: 'Hi' }],
  },
  {
    row: 'conversation.item.created ⇄ conversation.item.added',
    ga: { type: 'conversation.item.added', event_id: 'event_1', previous_item_id: null, item: { ...assistant, content: [{ type: 'output_text', text: 'x' }] } } satisfies GA.ConversationItemAdded,
    beta: [{ type: 'conversation.item.created', event_id: 'event_1', previous_item_id: null, item: { ...assistant, content: [{ type: 'text', text: 'x' }] } }],
  },
  {
    row: 'conversation.item.created ⇄ (then) conversation.item.done: nothing for beta',
    ga: { type: 'conversation.item.done', event_id: 'event_2', item: { ...assistant, content: [] } } satisfies GA.ConversationItemDone,
    beta: [],
  },
  {
    row: 'assistant content text / audio ⇄ output_text / output_audio (server → client)',
    ga: { type: 'response.output_item.done', ...ids, item: { ...assistant, content: [{ type: 'output_audio', transcript: 'Hi' }] } } satisfies GA.ResponseOutputItemDoneEvent,
    beta: [{ type: 'response.output_item.done', ...ids, item: { ...assistant, content: [{ type: 'audio', transcript: 'Hi' }] } }],
  },
  {
    row: 'transcription_session.updated ⇄ session.updated with type "transcription"',
    ga: { type: 'session.updated', event_id: 'event_3', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcmu' } } } } } satisfies GA.SessionUpdatedEvent,
    beta: [{ type: 'transcription_session.updated', event_id: 'event_3', session: { input_audio_format: 'g711_ulaw' } }],
  },
];

describe('doc §2.3: server events', () => {
  for (const { row, ga, beta } of SERVER_ROWS) {
    it(row, () => assert.deepEqual(gaServerEventToBeta(ga), beta));
  }
});
