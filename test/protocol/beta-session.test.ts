import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Beta from 'openai/resources/beta/realtime/realtime';
import type * as GA from 'openai/resources/realtime/realtime';
import type { RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import { betaClientEventToGA, betaSessionToGA, betaTranscriptionSessionToGA, gaSessionToBeta } from '../../src/protocol/beta/index.js';

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
} as const;

const vad = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 } as const;

// Inputs belong to the caller: translating a frozen object proves nothing is mutated.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('beta session.update → GA', () => {
  it('translates the session.update older tutorials send to the exact GA event', () => {
    const beta = {
      type: 'session.update',
      session: {
        modalities: ['text', 'audio'],
        instructions: 'You are a helpful assistant.',
        voice: 'alloy',
        input_audio_format: 'pcm16',
        output_audio_format: 'pcm16',
        input_audio_transcription: { model: 'whisper-1' },
        turn_detection: vad,
        tools: [weatherTool],
        tool_choice: 'auto',
        temperature: 0.8,
      },
    } satisfies Beta.SessionUpdateEvent;
    const expected = {
      type: 'session.update',
      session: {
        type: 'realtime',
        output_modalities: ['audio'],
        instructions: 'You are a helpful assistant.',
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'whisper-1' }, turn_detection: vad },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
        },
        tools: [weatherTool],
        tool_choice: 'auto',
      },
    } satisfies GA.SessionUpdateEvent;

    const { events, warnings } = betaClientEventToGA(deepFreeze(beta));
    assert.deepEqual(events, [expected]);
    assert.deepEqual(warnings, ['session.temperature has no GA equivalent and was ignored']);
  });

  it('keeps partial updates partial and null as null', () => {
    assert.deepEqual(betaSessionToGA({ instructions: 'Be brief.' }), { type: 'realtime', instructions: 'Be brief.' });
    assert.deepEqual(betaSessionToGA({ turn_detection: null, input_audio_transcription: null }), {
      type: 'realtime',
      audio: { input: { turn_detection: null, transcription: null } },
    });
    assert.deepEqual(betaSessionToGA({ tracing: null, tools: [] }), { type: 'realtime', tracing: null, tools: [] });
  });

  it('passes unknown fields and unknown values through for the GA validator to reject', () => {
    assert.deepEqual(betaSessionToGA({ voice: 'alloy', vad_mode: 'aggressive', input_audio_format: 'mp3', modalities: ['video'] }), {
      type: 'realtime',
      vad_mode: 'aggressive',
      output_modalities: ['video'],
      audio: { input: { format: 'mp3' }, output: { voice: 'alloy' } },
    });
  });

  it('merges mapped beta fields into a GA-shaped audio object the client also sent', () => {
    assert.deepEqual(betaSessionToGA({ voice: 'ash', audio: { output: { speed: 1.2 } } }), {
      type: 'realtime',
      audio: { output: { speed: 1.2, voice: 'ash' } },
    });
  });

  it('collects the temperature note only when temperature was sent', () => {
    const warnings: string[] = [];
    betaSessionToGA({ voice: 'alloy' }, warnings);
    assert.deepEqual(warnings, []);
    assert.deepEqual(betaSessionToGA({ temperature: 1.1 }, warnings), { type: 'realtime' });
    assert.equal(warnings.length, 1);
  });
});

describe('beta transcription_session.update → GA', () => {
  it('becomes session.update with type transcription and nested audio.input', () => {
    const beta = {
      type: 'transcription_session.update',
      event_id: 'evt_client_1',
      session: {
        input_audio_format: 'g711_ulaw',
        input_audio_transcription: { model: 'gpt-4o-transcribe', language: 'en' },
        input_audio_noise_reduction: { type: 'far_field' },
        turn_detection: { type: 'server_vad', silence_duration_ms: 700 },
        include: ['item.input_audio_transcription.logprobs'],
        modalities: ['text'],
      },
    } satisfies Beta.TranscriptionSessionUpdate;
    const expected = {
      type: 'session.update',
      event_id: 'evt_client_1',
      session: {
        type: 'transcription',
        include: ['item.input_audio_transcription.logprobs'],
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            transcription: { model: 'gpt-4o-transcribe', language: 'en' },
            noise_reduction: { type: 'far_field' },
            turn_detection: { type: 'server_vad', silence_duration_ms: 700 },
          },
        },
      },
    } satisfies GA.SessionUpdateEvent;

    const { events, warnings } = betaClientEventToGA(beta);
    assert.deepEqual(events, [expected]);
    assert.deepEqual(warnings, ['session.modalities has no GA equivalent and was ignored']);
  });
});

// A complete GA session as `session.created` carries it.
const gaSession = {
  type: 'realtime',
  object: 'realtime.session',
  id: 'sess_C9CiUVUzUzYIssh3ELY1d',
  model: 'gpt-realtime',
  expires_at: 1756324625,
  output_modalities: ['audio'],
  instructions: 'You are a friendly receptionist.',
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      transcription: { model: 'whisper-1' },
      noise_reduction: { type: 'near_field' },
      turn_detection: { ...vad, create_response: true, interrupt_response: true, idle_timeout_ms: null },
    },
    output: { format: { type: 'audio/pcmu' }, voice: 'marin', speed: 1 },
  },
  tools: [weatherTool],
  tool_choice: 'auto',
  max_output_tokens: 'inf',
  tracing: null,
  prompt: null,
} satisfies RealtimeSessionCreateResponse;

// The same session as a beta client expects it (the SDK's "session object for the beta interface").
const betaSession = {
  object: 'realtime.session',
  id: 'sess_C9CiUVUzUzYIssh3ELY1d',
  model: 'gpt-realtime',
  expires_at: 1756324625,
  modalities: ['text', 'audio'],
  instructions: 'You are a friendly receptionist.',
  input_audio_format: 'pcm16',
  input_audio_transcription: { model: 'whisper-1' },
  input_audio_noise_reduction: { type: 'near_field' },
  turn_detection: { ...vad, create_response: true, interrupt_response: true, idle_timeout_ms: null },
  output_audio_format: 'g711_ulaw',
  voice: 'marin',
  speed: 1,
  tools: [weatherTool],
  tool_choice: 'auto',
  max_response_output_tokens: 'inf',
  tracing: null,
  prompt: null,
  temperature: 0.8,
} satisfies GA.RealtimeSession;

describe('GA session → beta session object', () => {
  it('flattens a full GA session into the beta shape and reports temperature 0.8', () => {
    assert.deepEqual(gaSessionToBeta(deepFreeze(gaSession)), betaSession);
  });

  it('keeps GA-only settings, which beta clients ignore', () => {
    const beta = gaSessionToBeta({ ...gaSession, truncation: 'auto', include: ['item.input_audio_transcription.logprobs'] });
    assert.equal(beta.truncation, 'auto');
    assert.deepEqual(beta.include, ['item.input_audio_transcription.logprobs']);
    assert.equal('type' in beta, false);
  });

  it('maps a transcription session without inventing realtime-only fields', () => {
    const ga = {
      type: 'transcription',
      object: 'realtime.transcription_session',
      id: 'sess_T1',
      audio: { input: { format: { type: 'audio/pcma' }, transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: null } },
    };
    assert.deepEqual(gaSessionToBeta(ga), {
      object: 'realtime.transcription_session',
      id: 'sess_T1',
      input_audio_format: 'g711_alaw',
      input_audio_transcription: { model: 'gpt-4o-mini-transcribe' },
      turn_detection: null,
    });
  });

  it('names PCM without an explicit rate pcm16, and leaves formats beta cannot name as they are', () => {
    const beta = gaSessionToBeta({
      type: 'realtime',
      audio: { input: { format: { type: 'audio/pcm' } }, output: { format: { type: 'audio/pcm', rate: 16000 } } },
    });
    assert.equal(beta.input_audio_format, 'pcm16');
    assert.deepEqual(beta.output_audio_format, { type: 'audio/pcm', rate: 16000 });
  });
});

describe('round trips', () => {
  it('GA session → beta → GA returns the original', () => {
    const warnings: string[] = [];
    const withGAOnly = { ...gaSession, truncation: 'auto' };
    assert.deepEqual(betaSessionToGA(gaSessionToBeta(withGAOnly), warnings), withGAOnly);
    assert.deepEqual(warnings, ['session.temperature has no GA equivalent and was ignored']);
  });

  it('beta session → GA → beta returns the original', () => {
    assert.deepEqual(gaSessionToBeta(betaSessionToGA(betaSession)), betaSession);
  });

  it('transcription: beta → GA → beta returns the original input fields', () => {
    const beta = { input_audio_format: 'pcm16', input_audio_transcription: { model: 'whisper-1' }, turn_detection: null };
    assert.deepEqual(gaSessionToBeta(betaTranscriptionSessionToGA(beta)), beta);
  });
});
