import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import * as S from '../../src/protocol/schemas/index.js';

/** `[path, code]` of every issue of a rejected value. */
function issues(schema: z.ZodType, value: unknown): [string, string][] {
  const r = schema.safeParse(value);
  assert.equal(r.success, false, 'expected the value to be rejected');
  return r.error!.issues.map((i) => [i.path.join('.'), i.code]);
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues));
  return r.data;
}

const update = (session: Record<string, unknown>) => ({ type: 'session.update', session: { type: 'realtime', ...session } });

/** A complete effective session as an upstream (OpenAI) sends it: "off" fields as null. */
const upstreamSession = () => ({
  type: 'realtime',
  object: 'realtime.session',
  id: 'sess_1',
  model: 'gpt-realtime',
  output_modalities: ['audio'],
  instructions: '',
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      transcription: null,
      noise_reduction: null,
      turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true },
    },
    output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
  },
  tools: [],
  tool_choice: 'auto',
  max_output_tokens: 'inf',
  truncation: 'auto',
  tracing: null,
  prompt: null,
  include: null,
  expires_at: 1756324625,
});

describe('AudioFormatSchema', () => {
  it('defaults the PCM rate to 24000 and rejects other rates', () => {
    assert.deepEqual(parse(S.AudioFormatSchema, { type: 'audio/pcm' }), { type: 'audio/pcm', rate: 24000 });
    assert.deepEqual(issues(S.AudioFormatSchema, { type: 'audio/pcm', rate: 16000 }), [['rate', 'invalid_value']]);
  });

  it('accepts the G.711 formats, rejects beta names and extra keys', () => {
    assert.deepEqual(parse(S.AudioFormatSchema, { type: 'audio/pcmu' }), { type: 'audio/pcmu' });
    assert.deepEqual(parse(S.AudioFormatSchema, { type: 'audio/pcma' }), { type: 'audio/pcma' });
    assert.deepEqual(issues(S.AudioFormatSchema, 'pcm16'), [['', 'invalid_type']]);
    assert.deepEqual(issues(S.AudioFormatSchema, { type: 'g711_ulaw' }), [['type', 'invalid_union']]);
    assert.deepEqual(issues(S.AudioFormatSchema, { type: 'audio/pcmu', rate: 8000 }), [['', 'unrecognized_keys']]);
  });
});

describe('SessionUpdateSchema (session.update.session)', () => {
  it('requires type "realtime" or "transcription"', () => {
    assert.deepEqual(issues(S.SessionUpdateSchema, { instructions: 'hi' }), [['type', 'invalid_union']]);
    assert.equal(parse(S.SessionUpdateSchema, { type: 'realtime' }).type, 'realtime');
  });

  it('is partial: a lone nested field is a valid update', () => {
    const u = parse(S.SessionUpdateSchema, { type: 'realtime', audio: { output: { speed: 1.25 } } });
    assert.deepEqual(u, { type: 'realtime', audio: { output: { speed: 1.25 } } });
  });

  it('accepts null to clear turn_detection, transcription and noise_reduction, keeping the null', () => {
    const u = parse(S.SessionUpdateSchema, { type: 'realtime', audio: { input: { turn_detection: null, transcription: null, noise_reduction: null } } });
    assert.deepEqual(u.audio?.input, { turn_detection: null, transcription: null, noise_reduction: null });
  });

  it('rejects beta-dialect fields at every level', () => {
    for (const key of ['voice', 'modalities', 'input_audio_format', 'temperature', 'max_response_output_tokens', 'turn_detection']) {
      const r = S.ClientEventSchema.safeParse(update({ [key]: null }));
      assert.equal(r.success, false, key);
      assert.deepEqual(r.error!.issues[0], { code: 'unrecognized_keys', keys: [key], path: ['session'], message: `Unrecognized key: "${key}"` });
    }
    assert.deepEqual(issues(S.ClientEventSchema, update({ audio: { output: { voicee: 'alloy' } } })), [['session.audio.output', 'unrecognized_keys']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ audio: { input: { turn_detection: { type: 'semantic_vad', threshold: 0.5 } } } })), [
      ['session.audio.input.turn_detection', 'unrecognized_keys'],
    ]);
  });

  it('validates documented ranges', () => {
    const td = (t: Record<string, unknown>) => update({ audio: { input: { turn_detection: { type: 'server_vad', ...t } } } });
    assert.deepEqual(issues(S.ClientEventSchema, td({ threshold: 1.5 })), [['session.audio.input.turn_detection.threshold', 'too_big']]);
    assert.deepEqual(issues(S.ClientEventSchema, td({ silence_duration_ms: -1 })), [['session.audio.input.turn_detection.silence_duration_ms', 'too_small']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ audio: { output: { speed: 2 } } })), [['session.audio.output.speed', 'too_big']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ max_output_tokens: 5000 })), [['session.max_output_tokens', 'too_big']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ max_output_tokens: 0 })), [['session.max_output_tokens', 'too_small']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ max_output_tokens: 'infinite' })), [['session.max_output_tokens', 'invalid_union']]);
    assert.equal(parse(S.SessionUpdateSchema, { type: 'realtime', max_output_tokens: 4096 }).type, 'realtime');
    assert.deepEqual(issues(S.ClientEventSchema, update({ output_modalities: [] })), [['session.output_modalities', 'too_small']]);
  });

  it('takes a built-in voice, any other voice name or a custom {id}, but not an empty one', () => {
    for (const voice of ['marin', 'my-engine-voice', { id: 'voice_1234' }]) {
      assert.deepEqual(parse(S.SessionUpdateSchema, { type: 'realtime', audio: { output: { voice } } }).type, 'realtime');
    }
    assert.deepEqual(issues(S.VoiceSchema, ''), [['', 'too_small']]);
    assert.deepEqual(issues(S.VoiceSchema, {}), [['', 'invalid_union']]);
  });

  it('requires a tool name; accepts function and mcp tools', () => {
    assert.deepEqual(issues(S.ClientEventSchema, update({ tools: [{ type: 'function', description: 'x' }] })), [['session.tools.0.name', 'invalid_type']]);
    assert.deepEqual(issues(S.ClientEventSchema, update({ tools: [{ type: 'code_interpreter' }] })), [['session.tools.0.type', 'invalid_union']]);
    const u = parse(S.SessionUpdateSchema, {
      type: 'realtime',
      tools: [
        { type: 'function', name: 'get_weather', parameters: { type: 'object' } },
        { type: 'mcp', server_label: 'docs', server_url: 'https://example.com/mcp', require_approval: { never: { tool_names: ['search'] } } },
      ],
    });
    assert.equal(u.type === 'realtime' && u.tools?.length, 2);
  });

  it('transcription sessions only configure input audio', () => {
    const u = parse(S.SessionUpdateSchema, { type: 'transcription', audio: { input: { transcription: { model: 'gpt-4o-transcribe' } } } });
    assert.equal(u.type, 'transcription');
    assert.deepEqual(issues(S.SessionUpdateSchema, { type: 'transcription', instructions: 'hi' }), [['', 'unrecognized_keys']]);
    assert.deepEqual(issues(S.SessionUpdateSchema, { type: 'transcription', audio: { output: { voice: 'marin' } } }), [['audio', 'unrecognized_keys']]);
  });
});

describe('SessionConfigSchema (session.created / session.updated)', () => {
  it('parses what OpenAI sends and represents "off" as absent, as the SDK types it', () => {
    const s = parse(S.SessionConfigSchema, upstreamSession());
    assert.equal('transcription' in s.audio.input && s.audio.input.transcription, undefined);
    assert.equal(s.audio.input.noise_reduction, undefined);
    assert.equal(s.include, undefined);
    assert.equal(s.tracing, null);
    assert.equal(s.audio.input.turn_detection?.type, 'server_vad');
    assert.equal(JSON.stringify(s).includes('transcription'), false);
  });

  it('strips fields a newer server adds, at any depth', () => {
    const raw = upstreamSession();
    const s = parse(S.SessionConfigSchema, {
      ...raw,
      future_field: 1,
      audio: { ...raw.audio, input: { ...raw.audio.input, turn_detection: { ...raw.audio.input.turn_detection, new_knob: true } } },
    });
    assert.equal('future_field' in s, false);
    assert.equal(s.audio.input.turn_detection !== null && 'new_knob' in s.audio.input.turn_detection, false);
  });

  it('requires the identifying fields', () => {
    const { id: _id, ...noId } = upstreamSession();
    assert.deepEqual(issues(S.SessionConfigSchema, noId), [['id', 'invalid_type']]);
    assert.deepEqual(issues(S.SessionConfigSchema, { ...upstreamSession(), object: 'realtime.transcription_session' }), [['object', 'invalid_value']]);
  });
});

describe('items', () => {
  const create = (item: unknown) => ({ type: 'conversation.item.create', item });

  it('enforces content types per role', () => {
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'message', role: 'system', content: [{ type: 'input_audio', audio: 'AAAA' }] })), [
      ['item.content.0.type', 'invalid_value'],
      ['item.content.0.text', 'invalid_type'],
      ['item.content.0', 'unrecognized_keys'],
    ]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'message', role: 'assistant', content: [{ type: 'input_text', text: 'x' }] })), [
      ['item.content.0.type', 'invalid_union'],
    ]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'message', role: 'developer', content: [] })), [['item.role', 'invalid_union']]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'message', role: 'user', content: [{ type: 'input_text' }] })), [
      ['item.content.0.text', 'invalid_type'],
    ]);
  });

  it('client items are strict, GA-named and cap ids at 64 characters', () => {
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'x' }] })), [
      ['item.content.0.type', 'invalid_union'],
    ]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'function_call_output', call_id: 'c', output: '', extra: 1 })), [['item', 'unrecognized_keys']]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ type: 'function_call_output', id: 'x'.repeat(65), call_id: 'c', output: '' })), [['item.id', 'too_big']]);
    assert.equal(parse(S.ClientItemSchema, { type: 'function_call_output', id: 'x'.repeat(64), call_id: 'c', output: '' }).type, 'function_call_output');
  });

  it('client input_audio must be base64; a null transcript is dropped', () => {
    assert.deepEqual(issues(S.ClientItemSchema, { type: 'message', role: 'user', content: [{ type: 'input_audio', audio: 'not base64!' }] }), [
      ['content.0.audio', 'invalid_format'],
    ]);
    const item = parse(S.ClientItemSchema, { type: 'message', role: 'user', content: [{ type: 'input_audio', audio: 'AAAA', transcript: null }] });
    assert.deepEqual(JSON.parse(JSON.stringify(item)), { type: 'message', role: 'user', content: [{ type: 'input_audio', audio: 'AAAA' }] });
  });

  it('function_call.call_id is optional from clients (as in the SDK) but required from servers', () => {
    assert.equal(parse(S.ClientItemSchema, { type: 'function_call', name: 'f', arguments: '{}' }).type, 'function_call');
    assert.deepEqual(issues(S.ItemSchema, { type: 'function_call', name: 'f', arguments: '{}' }), [['call_id', 'invalid_type']]);
  });

  it('server items normalise beta-style assistant parts to GA names and strip unknown keys', () => {
    const item = parse(S.ItemSchema, {
      id: 'item_1',
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      future: true,
      content: [
        { type: 'text', text: 'a' },
        { type: 'audio', transcript: 'b', audio: null },
        { type: 'output_audio', transcript: 'c' },
      ],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(item)), {
      id: 'item_1',
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [
        { type: 'output_text', text: 'a' },
        { type: 'output_audio', transcript: 'b' },
        { type: 'output_audio', transcript: 'c' },
      ],
    });
  });

  it('content_part events accept both spellings and emit the SDK names', () => {
    assert.deepEqual(parse(S.ResponseContentPartSchema, { type: 'output_audio', transcript: '' }), { type: 'audio', transcript: '' });
    assert.deepEqual(parse(S.ResponseContentPartSchema, { type: 'output_text', text: '' }), { type: 'text', text: '' });
    assert.deepEqual(issues(S.ResponseContentPartSchema, { type: 'input_text', text: '' }), [['type', 'invalid_union']]);
  });

  it('item references are their own schema, capped like ids', () => {
    assert.deepEqual(parse(S.ItemReferenceSchema, { type: 'item_reference', id: 'item_abc' }), { type: 'item_reference', id: 'item_abc' });
    assert.deepEqual(issues(S.ItemReferenceSchema, { type: 'item_reference', id: '' }), [['id', 'too_small']]);
  });
});

describe('response.create and the response object', () => {
  const create = (response: unknown) => ({ type: 'response.create', response });

  it('metadata keys ≤ 64 and values ≤ 512 characters', () => {
    assert.deepEqual(issues(S.ClientEventSchema, create({ metadata: { ['k'.repeat(65)]: 'v' } })), [[`response.metadata.${'k'.repeat(65)}`, 'invalid_key']]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ metadata: { k: 'v'.repeat(513) } })), [['response.metadata.k', 'too_big']]);
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'.repeat(512)]));
    assert.equal(parse(S.ResponseCreateParamsSchema, { metadata: sixteen }).metadata?.k15?.length, 512);
  });

  it('conversation is "auto" or "none"; beta fields are rejected', () => {
    assert.deepEqual(issues(S.ClientEventSchema, create({ conversation: 'conv_1' })), [['response.conversation', 'invalid_value']]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ modalities: ['text'] })), [['response', 'unrecognized_keys']]);
    assert.deepEqual(issues(S.ClientEventSchema, create({ audio: { output: { voice: 'marin', speed: 1 } } })), [['response.audio.output', 'unrecognized_keys']]);
  });

  it('input mixes client items and references', () => {
    const p = parse(S.ResponseCreateParamsSchema, {
      input: [
        { type: 'item_reference', id: 'item_1' },
        { type: 'function_call_output', call_id: 'call_1', output: '{}' },
      ],
    });
    assert.deepEqual(
      p.input?.map((i) => i.type),
      ['item_reference', 'function_call_output'],
    );
  });

  it('the response object omits null conversation_id / usage / status_details but keeps metadata: null', () => {
    const r = parse(S.ResponseObjectSchema, {
      object: 'realtime.response',
      id: 'resp_1',
      status: 'in_progress',
      status_details: null,
      output: [],
      conversation_id: null,
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      metadata: null,
      usage: null,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(r)), {
      object: 'realtime.response',
      id: 'resp_1',
      status: 'in_progress',
      output: [],
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      metadata: null,
    });
  });

  it('usage counts are non-negative integers', () => {
    assert.deepEqual(issues(S.UsageSchema, { total_tokens: 1, input_tokens: -1, output_tokens: 2 }), [['input_tokens', 'too_small']]);
    assert.deepEqual(issues(S.UsageSchema, { total_tokens: 1.5, input_tokens: 1, output_tokens: 0 }), [['total_tokens', 'invalid_type']]);
  });
});

describe('client events', () => {
  it('CLIENT_EVENT_TYPES lists exactly the GA client events of doc §3', () => {
    assert.deepEqual([...S.CLIENT_EVENT_TYPES].sort(), [
      'conversation.item.create',
      'conversation.item.delete',
      'conversation.item.retrieve',
      'conversation.item.truncate',
      'input_audio_buffer.append',
      'input_audio_buffer.clear',
      'input_audio_buffer.commit',
      'output_audio_buffer.clear',
      'response.cancel',
      'response.create',
      'session.update',
    ]);
    assert.ok(Object.isFrozen(S.CLIENT_EVENT_TYPES));
  });

  it('rejects beta-only client events and unknown top-level keys', () => {
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'transcription_session.update', session: {} }), [['type', 'invalid_union']]);
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'input_audio_buffer.commit', audio: 'AAAA' }), [['', 'unrecognized_keys']]);
  });

  it('append requires padded base64 audio', () => {
    assert.equal(parse(S.ClientEventSchema, { type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3, 4]).toString('base64') }).type, 'input_audio_buffer.append');
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'input_audio_buffer.append', audio: 'AQIDBA' }), [['audio', 'invalid_format']]);
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'input_audio_buffer.append' }), [['audio', 'invalid_type']]);
  });

  it('caps event_id at 128 characters', () => {
    assert.equal(parse(S.ClientEventSchema, { type: 'input_audio_buffer.clear', event_id: 'e'.repeat(128) }).event_id?.length, 128);
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'input_audio_buffer.clear', event_id: 'e'.repeat(129) }), [['event_id', 'too_big']]);
  });

  it('previous_item_id: "root" or an id; null reads as omitted', () => {
    const item = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] };
    const e = parse(S.ClientEventSchema, { type: 'conversation.item.create', previous_item_id: null, item });
    assert.equal(e.type === 'conversation.item.create' && e.previous_item_id, undefined);
    const root = parse(S.ClientEventSchema, { type: 'conversation.item.create', previous_item_id: 'root', item });
    assert.equal(root.type === 'conversation.item.create' && root.previous_item_id, 'root');
  });

  it('truncate takes integer content_index and audio_end_ms', () => {
    const t = parse(S.ClientEventSchema, { type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: 0 });
    const typed: S.ClientEventOf<'conversation.item.truncate'> | undefined = t.type === 'conversation.item.truncate' ? t : undefined;
    assert.equal(typed?.audio_end_ms, 0);
    assert.deepEqual(issues(S.ClientEventSchema, { type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0.5, audio_end_ms: 10.2 }), [
      ['content_index', 'invalid_type'],
      ['audio_end_ms', 'invalid_type'],
    ]);
  });
});

describe('server events', () => {
  it('SERVER_EVENT_TYPES covers every GA server event of doc §4', () => {
    const documented = [
      'session.created', 'session.updated',
      'conversation.item.added', 'conversation.item.done', 'conversation.item.retrieved', 'conversation.item.truncated', 'conversation.item.deleted',
      'conversation.item.input_audio_transcription.delta', 'conversation.item.input_audio_transcription.completed',
      'conversation.item.input_audio_transcription.failed', 'conversation.item.input_audio_transcription.segment',
      'input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped', 'input_audio_buffer.committed', 'input_audio_buffer.cleared',
      'input_audio_buffer.timeout_triggered', 'input_audio_buffer.dtmf_event_received',
      'output_audio_buffer.started', 'output_audio_buffer.stopped', 'output_audio_buffer.cleared',
      'response.created', 'response.done', 'response.output_item.added', 'response.output_item.done',
      'response.content_part.added', 'response.content_part.done', 'response.output_text.delta', 'response.output_text.done',
      'response.output_audio.delta', 'response.output_audio.done', 'response.output_audio_transcript.delta', 'response.output_audio_transcript.done',
      'response.function_call_arguments.delta', 'response.function_call_arguments.done',
      'response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done',
      'response.mcp_call.in_progress', 'response.mcp_call.completed', 'response.mcp_call.failed',
      'mcp_list_tools.in_progress', 'mcp_list_tools.completed', 'mcp_list_tools.failed',
      'rate_limits.updated', 'error',
    ];
    assert.deepEqual([...S.SERVER_EVENT_TYPES].sort(), documented.sort());
  });

  it('every server event requires event_id, except the SIP DTMF event', () => {
    assert.deepEqual(issues(S.ServerEventSchema, { type: 'input_audio_buffer.cleared' }), [['event_id', 'invalid_type']]);
    assert.equal(parse(S.ServerEventSchema, { type: 'input_audio_buffer.dtmf_event_received', event: '5', received_at: 1750287018 }).type, 'input_audio_buffer.dtmf_event_received');
  });

  it('transcription usage is tokens or duration', () => {
    const base = { type: 'conversation.item.input_audio_transcription.completed', event_id: 'e', item_id: 'i', content_index: 0, transcript: 'hi' };
    assert.equal(parse(S.ServerEventSchema, { ...base, usage: { type: 'duration', seconds: 1.2 } }).type, base.type);
    assert.equal(parse(S.ServerEventSchema, { ...base, usage: { type: 'tokens', input_tokens: 5, output_tokens: 2, total_tokens: 7 } }).type, base.type);
    assert.deepEqual(issues(S.ServerEventSchema, { ...base, usage: { type: 'seconds', seconds: 1 } }), [['usage.type', 'invalid_union']]);
  });
});

describe('parseServerEvent', () => {
  it('returns known events validated, with unknown keys stripped', () => {
    const r = S.parseServerEvent({ type: 'response.output_audio.delta', event_id: 'e', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0, delta: 'AAAA', new: 1 });
    assert.equal(r.known, true);
    assert.equal('new' in r.event, false);
    assert.equal(r.event.type === 'response.output_audio.delta' && r.event.delta, 'AAAA');
  });

  it('passes an unknown (newer) event type through untouched', () => {
    const raw = { type: 'response.reasoning.delta', event_id: 'e', delta: 'x', nested: { a: [1] } };
    assert.deepEqual(S.parseServerEvent(raw), { known: false, event: raw });
  });

  it('passes a known type with an invalid payload through, with the issues', () => {
    const r = S.parseServerEvent({ type: 'response.done', event_id: 'e', response: { status: 'exploded' } });
    assert.equal(r.known, false);
    assert.equal(r.event.type, 'response.done');
    assert.ok(!r.known && r.issues?.some((i) => i.path.join('.') === 'response.status'));
  });

  it('throws only when the value has no string type', () => {
    assert.throws(() => S.parseServerEvent(null), { name: 'ZodError' });
    assert.throws(() => S.parseServerEvent({ event_id: 'e' }), { name: 'ZodError' });
    assert.throws(() => S.parseServerEvent({ type: 7 }), { name: 'ZodError' });
  });
});
