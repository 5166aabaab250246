import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ResponseWriter } from '../../src/conversation/response-writer.js';
import type { ModelRequest } from '../../src/engines/inprocess/model.js';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { ChatCompletionsModel, OpenAISpeechSynthesizer, toChatMessages, type ChatCompletionsModelDeps } from '../../src/engines/local/network/index.js';
import type { AudioFormat, FunctionTool, Item, ResponseObject, ServerEvent } from '../../src/protocol/schemas/index.js';
import { FakeOpenAI, SPEECH_MS_PER_CHAR, rejection } from '../helpers/fake-openai-http.js';

const KEY = 'sk-test-chat-77aa66bb55cc44dd';
const PCM24: AudioFormat = { type: 'audio/pcm', rate: 24000 };
const CHAT = '/v1/chat/completions';

const WEATHER: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
};

const user = (text: string, id = `item_u${Math.random().toString(36).slice(2, 8)}`): Item => ({ type: 'message', role: 'user', id, content: [{ type: 'input_text', text }] }) as Item;

function request(partial: Partial<ModelRequest> = {}): ModelRequest {
  return {
    responseId: 'resp_test',
    context: [],
    instructions: '',
    tools: [],
    toolChoice: 'auto',
    outputModalities: ['text'],
    voice: 'alloy',
    outputFormat: PCM24,
    session: defaultSessionConfig('gpt-test'),
    metadata: null,
    ...partial,
  };
}

/** A real response writer (the protocol events a client would get), in text or audio modality. */
function response(modalities: ('text' | 'audio')[] = ['text'], onEvent?: (e: ServerEvent) => void): { events: ServerEvent[]; writer: ResponseWriter } {
  const events: ServerEvent[] = [];
  const writer = new ResponseWriter({
    emit: (e) => {
      events.push(e);
      onEvent?.(e);
    },
    conversation: null,
    response: { object: 'realtime.response', id: 'resp_test', status: 'in_progress', output: [], output_modalities: modalities, audio: { output: { format: PCM24, voice: 'alloy' } }, max_output_tokens: 'inf', metadata: null } as unknown as ResponseObject,
    outputFormat: PCM24,
  });
  writer.start();
  return { events, writer };
}

const ofType = <T extends ServerEvent['type']>(events: ServerEvent[], type: T): Extract<ServerEvent, { type: T }>[] => events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);


describe('ChatCompletionsModel', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.apiKey = KEY;
    fake.pieceDelayMs = 0;
    fake.hold = null;
  });
  const model = (deps: ChatCompletionsModelDeps = {}, extra: { apiKey?: string; timeoutMs?: number } = {}): ChatCompletionsModel =>
    new ChatCompletionsModel({ baseUrl: fake.baseUrl, apiKey: extra.apiKey ?? KEY, model: 'gpt-test', ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}) }, deps);

  it('streams a text answer: request shape, delta order, real usage', async () => {
    const { events, writer } = response(['text']);
    const result = await model().respond(request({ instructions: 'Be brief.', context: [user('Hello there')] }), writer, new AbortController().signal);
    const req = fake.last(CHAT);
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(req.json, {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas = ofType(events, 'response.output_text.delta').map((e) => e.delta);
    assert.deepEqual(deltas, ['[Be ', 'brief.] ', 'You ', 'said: ', 'Hello ', 'there'], 'one delta per streamed chunk, in order');
    assert.equal(ofType(events, 'response.output_text.done')[0]?.text, '[Be brief.] You said: Hello there');
    assert.deepEqual(
      events.map((e) => e.type),
      ['response.created', 'response.output_item.added', 'response.content_part.added', ...deltas.map(() => 'response.output_text.delta'), 'response.output_text.done', 'response.content_part.done', 'response.output_item.done'],
    );
    const prompt = Math.ceil(JSON.stringify((req.json as { messages: unknown }).messages).length / 4);
    assert.deepEqual(result.usage, {
      total_tokens: prompt + 6,
      input_tokens: prompt,
      output_tokens: 6,
      input_token_details: { text_tokens: prompt, audio_tokens: 0, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
      output_token_details: { text_tokens: 6, audio_tokens: 0 },
    });
  });

  it('offers the Realtime tools as chat tools and streams the call the model makes', async () => {
    const { events, writer } = response(['text']);
    await model().respond(request({ context: [user("What's the weather in Paris?")], tools: [WEATHER] }), writer, new AbortController().signal);
    const body = fake.last(CHAT).json as Record<string, unknown>;
    assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: WEATHER.parameters } }]);
    assert.equal(body.tool_choice, 'auto');
    assert.equal(ofType(events, 'response.output_text.delta').length, 0, 'no message item when the model only calls');
    const added = ofType(events, 'response.output_item.added');
    assert.equal(added.length, 1);
    const item = added[0]?.item as { type: string; name: string; call_id: string };
    assert.equal(item.type, 'function_call');
    assert.equal(item.name, 'get_weather');
    assert.match(item.call_id, /^call_\d+_paris$/, 'the call id is the model’s own');
    assert.deepEqual(ofType(events, 'response.function_call_arguments.delta').map((e) => e.delta), ['{"cit', 'y":"Pari', 's","unit":"celsius"}']);
    const done = ofType(events, 'response.function_call_arguments.done')[0];
    assert.deepEqual(JSON.parse(done?.arguments ?? ''), { city: 'Paris', unit: 'celsius' });
    assert.equal(done?.call_id, item.call_id);
  });

  it('sends the call and its output back, linked by id, and speaks from the tool’s result', async () => {
    const context: Item[] = [
      user("What's the weather in Paris?"),
      { type: 'function_call', id: 'item_fc', call_id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Paris"}' } as Item,
      { type: 'function_call_output', id: 'item_out', call_id: 'call_abc123', output: '{"temp_c":21,"sky":"clear"}' } as Item,
    ];
    const { events, writer } = response(['text']);
    await model().respond(request({ context, tools: [WEATHER] }), writer, new AbortController().signal);
    const messages = (fake.last(CHAT).json as { messages: unknown[] }).messages;
    assert.deepEqual(messages, [
      { role: 'user', content: "What's the weather in Paris?" },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc123', content: '{"temp_c":21,"sky":"clear"}' },
    ]);
    assert.equal(ofType(events, 'response.output_text.done')[0]?.text, 'The get_weather tool says: {"temp_c":21,"sky":"clear"}');
  });

  it('maps tool_choice, and offers no tools when the session has none', async () => {
    const ask = async (partial: Partial<ModelRequest>): Promise<{ body: Record<string, unknown>; text: string | undefined; calls: number }> => {
      const { events, writer } = response(['text']);
      await model().respond(request({ context: [user('How is the weather in Oslo?')], ...partial }), writer, new AbortController().signal);
      return { body: fake.last(CHAT).json as Record<string, unknown>, text: ofType(events, 'response.output_text.done')[0]?.text, calls: ofType(events, 'response.function_call_arguments.done').length };
    };
    const none = await ask({});
    assert.ok(!('tools' in none.body) && !('tool_choice' in none.body));
    assert.equal(none.text, "I can't check the weather from here.");
    const off = await ask({ tools: [WEATHER], toolChoice: 'none' });
    assert.equal(off.body.tool_choice, 'none');
    assert.equal(off.calls, 0);
    const forced = await ask({ tools: [WEATHER], toolChoice: { type: 'function', name: 'get_weather' } });
    assert.deepEqual(forced.body.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(forced.calls, 1);
    const required = await ask({ tools: [WEATHER], toolChoice: 'required' });
    assert.equal(required.body.tool_choice, 'required');
  });

  it('parallel tool calls become one function_call item each, in index order', async () => {
    const { events, writer } = response(['text']);
    await model().respond(request({ context: [user('weather in Paris and Rome')], tools: [WEATHER] }), writer, new AbortController().signal);
    const done = ofType(events, 'response.function_call_arguments.done');
    assert.deepEqual(done.map((d) => [d.output_index, d.name, JSON.parse(d.arguments).city]), [[0, 'get_weather', 'Paris'], [1, 'get_weather', 'Rome']]);
    assert.notEqual(done[0]?.call_id, done[1]?.call_id);
    // Each call's deltas went to its own item.
    for (const d of done) assert.equal(ofType(events, 'response.function_call_arguments.delta').filter((x) => x.item_id === d.item_id).map((x) => x.delta).join(''), d.arguments);
  });

  it('a preamble is its own message, complete before the call starts', async () => {
    const { events, writer } = response(['text']);
    await model().respond(request({ context: [user('weather in Lima, please')], tools: [WEATHER] }), writer, new AbortController().signal);
    const types = events.map((e) => e.type);
    assert.equal(ofType(events, 'response.output_text.done')[0]?.text, 'Sure, let me check that. One moment.');
    assert.ok(types.indexOf('response.output_item.done') < types.lastIndexOf('response.output_item.added'), 'message done before the call is added');
    assert.equal(ofType(events, 'response.function_call_arguments.done')[0]?.output_index, 1);
  });

  it('speaks an audio answer sentence by sentence, audio and transcript in step, then makes the call', async () => {
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const { events, writer } = response(['audio']);
    const speechBefore = fake.count('/v1/audio/speech');
    const result = await model({ tts, leadMs: 60_000 }).respond(request({ outputModalities: ['audio'], voice: 'sage', context: [user('weather in Lima, please')], tools: [WEATHER] }), writer, new AbortController().signal);
    const speech = fake.requests.filter((r) => r.path === '/v1/audio/speech').slice(speechBefore);
    assert.deepEqual(speech.map((r) => r.json?.input), ['Sure, let me check that.', 'One moment.'], 'one request per sentence, as the text streamed in');
    assert.ok(speech.every((r) => r.json?.voice === 'sage'));
    const transcript = ofType(events, 'response.output_audio_transcript.delta').map((e) => e.delta).join('');
    assert.equal(transcript, 'Sure, let me check that. One moment.');
    const audioBytes = ofType(events, 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0);
    const expectedMs = ('Sure, let me check that.'.length + 'One moment.'.length) * SPEECH_MS_PER_CHAR;
    assert.ok(Math.abs(audioBytes / 48 - expectedMs) < 5, `${audioBytes / 48} ms of audio, expected ${expectedMs}`);
    // The words arrive along with the audio that speaks them, not all at once.
    let bytes = 0;
    let words = '';
    for (const e of events) {
      if (e.type === 'response.output_audio_transcript.delta') words += e.delta;
      if (e.type !== 'response.output_audio.delta') continue;
      bytes += Buffer.from(e.delta, 'base64').byteLength;
      if (bytes >= audioBytes / 2) break;
    }
    assert.ok(words.length > transcript.length * 0.3 && words.length < transcript.length * 0.7, `${words.length} of ${transcript.length} characters at half the audio`);
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('response.output_audio.done') < types.indexOf('response.function_call_arguments.delta'), 'the call comes after the speech');
    assert.equal(ofType(events, 'response.function_call_arguments.done')[0]?.name, 'get_weather');
    assert.equal(result.usage?.output_token_details?.audio_tokens, Math.ceil(expectedMs / 50), 'speech counted as output audio tokens');
  });

  it('audio without a synthesizer carries the transcript only', async () => {
    const { events, writer } = response(['audio']);
    await model().respond(request({ outputModalities: ['audio'], context: [user('Hi')] }), writer, new AbortController().signal);
    assert.equal(ofType(events, 'response.output_audio_transcript.done')[0]?.transcript, 'You said: Hi');
    assert.equal(ofType(events, 'response.output_audio.delta').length, 0);
  });

  it('aborting mid-stream closes the HTTP connection and stops writing', async () => {
    fake.pieceDelayMs = 20;
    const ac = new AbortController();
    const { events, writer } = response(['text'], (e) => {
      if (e.type === 'response.output_text.delta' && ++seen === 3) ac.abort();
    });
    let seen = 0;
    const started = Date.now();
    const result = await model().respond(request({ context: [user('count to 100')] }), writer, ac.signal);
    assert.deepEqual(result, {});
    assert.ok(Date.now() - started < 1000, 'returns promptly');
    assert.deepEqual(await fake.last(CHAT).closed, { early: true }, 'the server saw the connection closed');
    assert.equal(ofType(events, 'response.output_text.delta').length, 3);
  });

  it('aborting while speaking stops the speech request too', async () => {
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const ac = new AbortController();
    fake.pieceDelayMs = 30;
    const { writer } = response(['audio'], (e) => {
      if (e.type === 'response.output_audio.delta') ac.abort();
    });
    const result = await model({ tts, leadMs: 60_000 }).respond(request({ outputModalities: ['audio'], context: [user('This is a long sentence for the fake to repeat slowly to us.')] }), writer, ac.signal);
    assert.deepEqual(result, {});
    assert.equal((await fake.last('/v1/audio/speech').closed).early, true);
  });

  it('HTTP errors throw with the status and the server’s message, never the key', async () => {
    const wrong = 'sk-wrong-key-1234567890abcdef';
    const e401 = await rejection(model({}, { apiKey: wrong }).respond(request({ context: [user('Hi')] }), response().writer, new AbortController().signal));
    assert.equal(e401.code, 'llm_http_error');
    assert.equal(e401.status, 401);
    assert.match(e401.message, /chat completions request to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions failed with HTTP 401 Unauthorized: Incorrect API key provided: \[redacted\]/);
    for (const text of [e401.message, String(e401.stack), inspect(e401), JSON.stringify(e401)]) assert.ok(!text.includes(wrong));

    fake.failNext(CHAT, 500, 'The server had an error while processing your request.');
    const e500 = await rejection(model().respond(request({ context: [user('Hi')] }), response().writer, new AbortController().signal));
    assert.equal(e500.status, 500);
    assert.match(e500.message, /HTTP 500 Internal Server Error: The server had an error/);
    assert.ok(!inspect(e500).includes(KEY));
  });

  it('times out waiting for the answer, and when the stream stalls', async () => {
    fake.stallNext(CHAT);
    const e1 = await rejection(model({}, { timeoutMs: 200 }).respond(request({ context: [user('Hi')] }), response().writer, new AbortController().signal));
    assert.equal(e1.code, 'llm_timeout');
    assert.match(e1.message, /timed out after 200 ms before the server answered/);
    assert.equal((await fake.last(CHAT).closed).early, true);

    let release = (): void => undefined;
    fake.hold = new Promise((r) => (release = r));
    const e2 = await rejection(model({}, { timeoutMs: 200 }).respond(request({ context: [user('count to 5')] }), response().writer, new AbortController().signal));
    release();
    assert.equal(e2.code, 'llm_timeout');
    assert.match(e2.message, /while streaming the answer/);
  });

  it('an error object in the stream fails the response; a truncated stream is llm_bad_response', async () => {
    const chunk = (delta: object, finish: string | null = null): string => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    fake.rawNext(CHAT, 'text/event-stream', chunk({ content: 'Hel' }) + `data: ${JSON.stringify({ error: { message: 'The model overloaded', type: 'server_error' } })}\n\n`);
    const e1 = await rejection(model().respond(request({ context: [user('Hi')] }), response().writer, new AbortController().signal));
    assert.equal(e1.code, 'llm_stream_error');
    assert.match(e1.message, /The model overloaded/);

    fake.rawNext(CHAT, 'text/event-stream', chunk({ content: 'Hel' }));
    assert.equal((await rejection(model().respond(request({ context: [user('Hi')] }), response().writer, new AbortController().signal))).code, 'llm_bad_response');

    // A server that ends without [DONE] after a finish_reason is fine.
    fake.rawNext(CHAT, 'text/event-stream', chunk({ content: 'Hello' }) + chunk({}, 'stop'));
    const ok = response();
    assert.deepEqual(await model().respond(request({ context: [user('Hi')] }), ok.writer, new AbortController().signal), {});
    assert.equal(ofType(ok.events, 'response.output_text.done')[0]?.text, 'Hello');
  });

  it('a server that ignores stream:true and answers JSON still works', async () => {
    fake.rawNext(CHAT, 'application/json', JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'Plain answer.', tool_calls: [{ id: 'call_j', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } }));
    const { events, writer } = response(['text']);
    const result = await model().respond(request({ context: [user('Hi')], tools: [WEATHER] }), writer, new AbortController().signal);
    assert.equal(ofType(events, 'response.output_text.done')[0]?.text, 'Plain answer.');
    assert.equal(ofType(events, 'response.function_call_arguments.done')[0]?.call_id, 'call_j');
    assert.equal(result.usage?.total_tokens, 14);
  });
});

describe('toChatMessages', () => {
  it('converts every kind of item, groups parallel calls, places outputs after their calls', async () => {
    const context = [
      { type: 'message', role: 'system', id: 's1', content: [{ type: 'input_text', text: 'Caller is a VIP.' }] },
      { type: 'message', role: 'user', id: 'u1', content: [{ type: 'input_audio', transcript: 'weather in Paris and Rome' }] },
      { type: 'message', role: 'assistant', id: 'a1', content: [{ type: 'output_audio', transcript: 'Let me check.' }] },
      { type: 'function_call', id: 'f1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', id: 'f2', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'message', role: 'user', id: 'u2', content: [{ type: 'input_audio' }] }, // spoke before the outputs came: transcript pending
      { type: 'function_call_output', id: 'o2', call_id: 'call_2', output: 'rain' },
      { type: 'function_call_output', id: 'o1', call_id: 'call_1', output: 'sun' },
      { type: 'function_call', id: 'f3', call_id: 'call_3', name: 'get_weather', arguments: '{}' }, // never answered
      { type: 'function_call_output', id: 'o9', call_id: 'call_9', output: 'orphan' }, // its call is gone
      { type: 'message', role: 'assistant', id: 'a2', content: [{ type: 'output_text', text: 'Sun in Paris, rain in Rome.' }] },
      { type: 'message', role: 'user', id: 'u3', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
      { type: 'message', role: 'user', id: 'u4', content: [{ type: 'input_audio', transcript: '' }] }, // nothing heard
    ] as Item[];
    const messages = await toChatMessages('You are a receptionist.', context, { transcriptOf: async (id) => (id === 'u2' ? 'and Oslo?' : null) });
    assert.deepEqual(messages, [
      { role: 'system', content: 'You are a receptionist.' },
      { role: 'system', content: 'Caller is a VIP.' },
      { role: 'user', content: 'weather in Paris and Rome' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sun' },
      { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
      { role: 'user', content: 'and Oslo?' },
      { role: 'assistant', content: 'Sun in Paris, rain in Rome.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
    ]);
  });

  it('keeps sequential calls as separate turns', async () => {
    const context = [
      { type: 'function_call', id: 'f1', call_id: 'c1', name: 'a', arguments: '{}' },
      { type: 'function_call_output', id: 'o1', call_id: 'c1', output: '1' },
      { type: 'function_call', id: 'f2', call_id: 'c2', name: 'b', arguments: '{}' },
      { type: 'function_call_output', id: 'o2', call_id: 'c2', output: '2' },
    ] as Item[];
    assert.deepEqual(
      (await toChatMessages('', context)).map((m) => m.role),
      ['assistant', 'tool', 'assistant', 'tool'],
    );
  });
});
