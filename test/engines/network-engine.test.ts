import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { pcm16ToBytes } from '../../src/audio/pcm16.js';
import { InProcessEngine } from '../../src/engines/inprocess/inprocess-engine.js';
import type { Model } from '../../src/engines/inprocess/model.js';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { ChatCompletionsModel, OpenAISpeechSynthesizer, OpenAITranscriptionRecognizer, createNetworkProviders, networkProvidersFromEnv } from '../../src/engines/local/network/index.js';
import { EnergyVad } from '../../src/engines/local/vad/index.js';
import { Driver } from '../helpers/engine-driver.js';
import { FakeOpenAI, SPEECH_MS_PER_CHAR } from '../helpers/fake-openai-http.js';

const KEY = 'sk-engine-test-0011223344556677';
const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 64 * 1024 * 1024, maxInputBufferBytes: 48 * 1024 * 1024, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };
const WEATHER_TOOL = { type: 'function', name: 'get_weather', description: 'Current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

function logs(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  return { logger: pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) }), text: () => lines.join('') };
}

function inProcess(model: Model, logger = pino({ level: 'silent' })): Driver {
  return new Driver(new InProcessEngine('network-test', { session: defaultSessionConfig('gpt-test'), limits: LIMITS, logger }, model));
}

/** `count` tone bursts of 200 ms between 150 ms gaps, at 24 kHz (the session's input format). */
function tones24(count: number): Buffer {
  const rate = 24_000;
  const tone = rate * 0.2;
  const gap = rate * 0.15;
  const out = new Int16Array(gap + count * (tone + gap));
  for (let b = 0; b < count; b++) for (let i = 0; i < tone; i++) out[gap + b * (tone + gap) + i] = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return pcm16ToBytes(out);
}

describe('InProcessEngine with ChatCompletionsModel over an OpenAI-compatible server', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.pieceDelayMs = 0;
  });

  it('conversation.item.create + response.create → a function call; its output → a text answer built from it', async () => {
    const d = inProcess(new ChatCompletionsModel({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'gpt-test' }));
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], instructions: 'You are a weather bot.', tools: [WEATHER_TOOL] } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Madrid?' }] } });
    d.send({ type: 'response.create' });
    const first = await d.next('response.done');
    assert.equal(first.response.status, 'completed');
    const call = first.response.output[0] as { type: string; name: string; call_id: string; arguments: string };
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Madrid', unit: 'celsius' });
    const args = await d.next('response.function_call_arguments.done');
    assert.equal(args.call_id, call.call_id);
    const firstBody = fake.last('/v1/chat/completions').json as { messages: unknown[]; tools: unknown[] };
    assert.deepEqual(firstBody.messages[0], { role: 'system', content: 'You are a weather bot.' });
    assert.equal(first.response.usage?.input_tokens, Math.ceil(JSON.stringify(firstBody.messages).length / 4), 'usage is the server’s');

    const mark = d.events.length;
    d.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":30}' } });
    d.send({ type: 'response.create' });
    const second = await d.next('response.done', mark);
    assert.equal(second.response.status, 'completed');
    const msg = second.response.output[0] as { type: string; content: Array<{ text: string }> };
    assert.equal(msg.type, 'message');
    assert.equal(msg.content[0]?.text, 'The get_weather tool says: {"temp_c":30}');
    const messages = (fake.last('/v1/chat/completions').json as { messages: Array<{ role: string; tool_call_id?: string }> }).messages;
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool']);
    assert.equal(messages[3]?.tool_call_id, call.call_id);
    await d.engine.close();
  });

  it('audio responses are spoken through the speech endpoint, in the session’s output format', async () => {
    const tts = new OpenAISpeechSynthesizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'tts-1' });
    const d = inProcess(new ChatCompletionsModel({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'gpt-test' }, { tts, leadMs: 60_000 }));
    d.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' }, voice: 'verse' } } } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Good morning. How are you?' }] } });
    d.send({ type: 'response.create' });
    const done = await d.next('response.done');
    assert.equal(done.response.status, 'completed');
    const transcript = (done.response.output[0] as { content: Array<{ transcript: string }> }).content[0]?.transcript;
    assert.equal(transcript, 'You said: Good morning. How are you?');
    const speech = fake.requests.filter((r) => r.path === '/v1/audio/speech').slice(-2);
    assert.deepEqual(speech.map((r) => [r.json?.input, r.json?.voice]), [['You said: Good morning.', 'verse'], ['How are you?', 'verse']]);
    const bytes = d.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from((e as { delta: string }).delta, 'base64').byteLength, 0);
    const expectedMs = speech.reduce((n, r) => n + String(r.json?.input).length, 0) * SPEECH_MS_PER_CHAR; // µ-law: 8 bytes per ms
    assert.ok(Math.abs(bytes / 8 - expectedMs) < 10, `${bytes / 8} ms of µ-law, expected about ${expectedMs}`);
    await d.engine.close();
  });

  it('an upstream failure becomes a failed response.done; neither it nor the logs carry the key', async () => {
    const wrong = 'sk-wrong-engine-ffeeddccbbaa9988';
    const { logger, text } = logs();
    const d = inProcess(new ChatCompletionsModel({ baseUrl: fake.baseUrl, apiKey: wrong, model: 'gpt-test' }, { logger }), logger);
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] } });
    d.send({ type: 'response.create' });
    const done = await d.next('response.done');
    assert.equal(done.response.status, 'failed');
    const error = (done.response.status_details as { error: { message: string } }).error;
    assert.match(error.message, /HTTP 401 Unauthorized: Incorrect API key provided: \[redacted\]/);
    assert.ok(!JSON.stringify(d.events).includes(wrong), 'no event carries the key');
    assert.match(text(), /model failed/);
    assert.ok(!text().includes(wrong), 'no log line carries the key');
    await d.engine.close();
  });

  it('response.cancel mid-stream closes the upstream request', async () => {
    fake.pieceDelayMs = 25;
    const d = inProcess(new ChatCompletionsModel({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'gpt-test' }));
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'count to 200' }] } });
    d.send({ type: 'response.create' });
    await d.next('response.output_text.delta');
    d.send({ type: 'response.cancel' });
    const done = await d.next('response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.equal((await fake.last('/v1/chat/completions').closed).early, true);
    await d.engine.close();
  });
});

describe('LocalEngine with OpenAITranscriptionRecognizer', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await FakeOpenAI.start({ apiKey: KEY });
  });
  after(() => fake.close());

  const engine = (stt: OpenAITranscriptionRecognizer): Driver =>
    new Driver(
      new LocalEngine(
        { session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }) },
        {
          createVad: (settings) => new EnergyVad(stt.sampleRate, settings),
          stt,
          tts: null,
          vocabulary: DEMO_VOCABULARY,
          grammarFor: () => ({ name: 'demo', jsgf: '#JSGF V1.0;\ngrammar demo;\npublic <cmd> = book an appointment | cancel my order;', words: [] }),
        },
      ),
    );

  it('push-to-talk audio is transcribed by the server, resampled to 16 kHz, with the grammar as prompt', async () => {
    const d = engine(new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: KEY, model: 'whisper-1' }));
    d.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' } } } } });
    const audio = tones24(4);
    d.send({ type: 'input_audio_buffer.append', audio: audio.toString('base64') });
    d.send({ type: 'input_audio_buffer.commit' });
    const committed = await d.next('input_audio_buffer.committed');
    const done = await d.next('conversation.item.input_audio_transcription.completed');
    assert.equal(done.item_id, committed.item_id);
    assert.equal(done.transcript, 'beep beep beep beep.');
    const req = fake.last('/v1/audio/transcriptions');
    const wav = req.parts?.find((p) => p.name === 'file')?.data ?? Buffer.alloc(0);
    assert.equal(wav.readUInt32LE(24), 16_000);
    assert.ok(Math.abs(wav.readUInt32LE(40) / 2 - (audio.byteLength / 2) * (16 / 24)) < 64, 'the whole utterance, resampled');
    assert.equal(req.parts?.find((p) => p.name === 'prompt')?.data.toString(), 'book an appointment, cancel my order');
    await d.engine.close();
  });

  it('a failed upstream transcription is reported with its code, without the key', async () => {
    const wrong = 'sk-wrong-stt-aabbccddeeff0011';
    const d = engine(new OpenAITranscriptionRecognizer({ baseUrl: fake.baseUrl, apiKey: wrong, model: 'whisper-1' }));
    d.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' } } } } });
    d.send({ type: 'input_audio_buffer.append', audio: tones24(1).toString('base64') });
    d.send({ type: 'input_audio_buffer.commit' });
    const failed = await d.next('conversation.item.input_audio_transcription.failed');
    assert.equal(failed.error.code, 'stt_http_error');
    assert.match(failed.error.message ?? '', /HTTP 401/);
    assert.ok(!JSON.stringify(d.events).includes(wrong));
    await d.engine.close();
  });
});

describe('createNetworkProviders', () => {
  it('builds the configured slots from the environment', async () => {
    const providers = createNetworkProviders(networkProvidersFromEnv({ PARLEY_STT_URL: 'http://127.0.0.1:9/v1', PARLEY_LLM_URL: 'http://127.0.0.1:9/v1', PARLEY_LLM_MODEL: 'llama' }));
    assert.equal(providers.stt?.name, 'openai-transcription:gpt-4o-mini-transcribe');
    assert.equal(providers.tts, undefined);
    assert.equal(providers.createModel?.({}).name, 'chat-completions:llama');
    await providers.stt?.close();
  });
});
