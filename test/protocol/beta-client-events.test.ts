import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Beta from 'openai/resources/beta/realtime/realtime';
import type * as GA from 'openai/resources/realtime/realtime';
import { betaClientEventToGA } from '../../src/protocol/beta/index.js';

function translateOne(event: unknown): unknown {
  const { events } = betaClientEventToGA(event);
  assert.equal(events.length, 1);
  return events[0];
}

describe('beta conversation.item.create → GA', () => {
  it('renames assistant text/audio content to output_text/output_audio', () => {
    const beta = {
      type: 'conversation.item.create',
      previous_item_id: 'root',
      item: {
        id: 'item_seed1',
        object: 'realtime.item',
        status: 'completed',
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: 'How can I help?' }],
      },
    } satisfies Beta.ConversationItemCreateEvent;
    const expected = {
      type: 'conversation.item.create',
      previous_item_id: 'root',
      item: {
        id: 'item_seed1',
        object: 'realtime.item',
        status: 'completed',
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'How can I help?' }],
      },
    } satisfies GA.ConversationItemCreateEvent;
    assert.deepEqual(translateOne(beta), expected);
  });

  it('leaves user, system and function items as they are', () => {
    const items = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_audio', audio: 'AAAA' }] },
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Caller is a VIP.' }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c":18}' },
    ] satisfies Beta.ConversationItem[];
    for (const item of items) {
      const event = { type: 'conversation.item.create', item } satisfies Beta.ConversationItemCreateEvent;
      assert.deepEqual(translateOne(event), event);
    }
  });

  it('keeps a user message with a beta `text` part invalid, for the GA validator to report', () => {
    const event = { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'text', text: 'x' }] } };
    assert.deepEqual(translateOne(event), event);
  });
});

describe('beta response.create → GA', () => {
  it('maps modalities, voice, format, token limit and input items; drops temperature', () => {
    const beta = {
      type: 'response.create',
      event_id: 'evt_client_7',
      response: {
        modalities: ['text', 'audio'],
        voice: 'verse',
        output_audio_format: 'g711_alaw',
        temperature: 0.7,
        max_response_output_tokens: 200,
        instructions: 'Answer in one sentence.',
        conversation: 'none',
        metadata: { purpose: 'classifier' },
        input: [
          { type: 'item_reference', id: 'item_abc' },
          { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Earlier answer' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Classify the last turn' }] },
        ],
      },
    } satisfies Beta.ResponseCreateEvent;
    // Not typed with the SDK: its GA `input` type lacks `item_reference`, which GA accepts (doc §3).
    const expected = {
      type: 'response.create',
      event_id: 'evt_client_7',
      response: {
        output_modalities: ['audio'],
        audio: { output: { voice: 'verse', format: { type: 'audio/pcma' } } },
        max_output_tokens: 200,
        instructions: 'Answer in one sentence.',
        conversation: 'none',
        metadata: { purpose: 'classifier' },
        input: [
          { type: 'item_reference', id: 'item_abc' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Earlier answer' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Classify the last turn' }] },
        ],
      },
    };

    const { events, warnings } = betaClientEventToGA(beta);
    assert.deepEqual(events, [expected]);
    assert.deepEqual(warnings, ['response.temperature has no GA equivalent and was ignored']);
  });

  it('maps text-only modalities and leaves a bare response.create alone', () => {
    assert.deepEqual(translateOne({ type: 'response.create', response: { modalities: ['text'] } }), {
      type: 'response.create',
      response: { output_modalities: ['text'] },
    } satisfies GA.ResponseCreateEvent);
    const bare = { type: 'response.create' } satisfies Beta.ResponseCreateEvent;
    assert.deepEqual(translateOne(bare), bare);
  });
});

describe('client events named the same in both dialects', () => {
  const unchanged = [
    { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'evt_1' },
    { type: 'input_audio_buffer.commit' },
    { type: 'input_audio_buffer.clear' },
    { type: 'conversation.item.retrieve', item_id: 'item_1' },
    { type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: 1500 },
    { type: 'conversation.item.delete', item_id: 'item_1' },
    { type: 'response.cancel', response_id: 'resp_1' },
    { type: 'output_audio_buffer.clear' },
  ] satisfies Beta.RealtimeClientEvent[];
  for (const event of unchanged) {
    it(`passes ${event.type} through untouched`, () => {
      const { events, warnings } = betaClientEventToGA(event);
      assert.equal(events[0], event);
      assert.deepEqual(warnings, []);
    });
  }
});

describe('malformed beta client events', () => {
  const passThrough: unknown[] = [
    null,
    undefined,
    42,
    'session.update',
    [],
    [{ type: 'session.update' }],
    {},
    { type: 7 },
    { type: 'no.such.event', session: { voice: 'alloy' } },
    { type: 'session.update' },
    { type: 'session.update', session: 'alloy' },
    { type: 'session.update', session: [{ voice: 'alloy' }] },
    { type: 'conversation.item.create' },
    { type: 'conversation.item.create', item: null },
    { type: 'conversation.item.create', item: { role: 'assistant', content: 'text' } },
    { type: 'response.create', response: [1] },
  ];
  for (const event of passThrough) {
    it(`returns ${JSON.stringify(event) ?? 'undefined'} unchanged`, () => {
      const { events, warnings } = betaClientEventToGA(event);
      assert.deepEqual(events, [event]);
      assert.deepEqual(warnings, []);
    });
  }

  it('skips content parts it cannot read instead of throwing', () => {
    const item = { type: 'message', role: 'assistant', content: [null, 5, { type: 9 }, { type: 'toString' }, { type: 'audio', transcript: 'x' }] };
    assert.deepEqual(translateOne({ type: 'conversation.item.create', item }), {
      type: 'conversation.item.create',
      item: { ...item, content: [null, 5, { type: 9 }, { type: 'toString' }, { type: 'output_audio', transcript: 'x' }] },
    });
  });

  it('renames a transcription_session.update without a usable session, so GA names the problem', () => {
    assert.deepEqual(translateOne({ type: 'transcription_session.update', session: 'x' }), { type: 'session.update', session: 'x' });
  });
});
