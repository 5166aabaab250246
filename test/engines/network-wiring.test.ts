import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { pcm16ToBytes } from '../../src/audio/pcm16.js';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { createLocalEngine } from '../../src/engines/local/index.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { createNetworkProviders } from '../../src/engines/local/network/index.js';
import { EnergyVad } from '../../src/engines/local/vad/index.js';
import { validateClientEvent } from '../../src/protocol/parse.js';
import type { ServerEvent } from '../../src/protocol/schemas/index.js';
import { FakeOpenAI } from '../helpers/fake-openai-http.js';

const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 64 << 20, maxInputBufferBytes: 48 << 20, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };

function tones24(count: number): Buffer {
  const rate = 24_000, tone = rate * 0.2, gap = rate * 0.15;
  const out = new Int16Array(gap + count * (tone + gap));
  for (let b = 0; b < count; b++) for (let i = 0; i < tone; i++) out[gap + b * (tone + gap) + i] = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return pcm16ToBytes(out);
}

describe('LocalEngine wired to network providers', () => {
  let fake: FakeOpenAI;
  before(async () => { fake = await FakeOpenAI.start(); });
  after(() => fake.close());

  it('the LLM brain answers a push-to-talk turn from the network transcript it waited for', async () => {
    const net = createNetworkProviders({ stt: { baseUrl: fake.baseUrl, model: 'whisper-1' }, llm: { baseUrl: fake.baseUrl, model: 'gpt-test' } });
    const stt = net.stt!;
    const engine = new LocalEngine({ session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }) }, {
      createVad: (s) => new EnergyVad(stt.sampleRate, s), stt, tts: null, vocabulary: DEMO_VOCABULARY, createModel: net.createModel!,
    });
    const events: ServerEvent[] = [];
    engine.onEvent((e) => events.push(e));
    engine.start();
    const send = (e: object): void => { const p = validateClientEvent(e); assert.ok(p.ok); engine.send(p.event); };
    send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: null } } } });
    send({ type: 'input_audio_buffer.append', audio: tones24(2).toString('base64') });
    send({ type: 'input_audio_buffer.commit' });
    send({ type: 'response.create' });
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'response.done'); i++) await new Promise((r) => setTimeout(r, 20));
    const done = events.find((e) => e.type === 'response.done') as Extract<ServerEvent, { type: 'response.done' }>;
    assert.equal(done.response.status, 'completed');
    assert.equal((done.response.output[0] as { content: Array<{ text: string }> }).content[0]?.text, 'You said: beep beep.');
    assert.equal(fake.last('/v1/audio/transcriptions').parts?.some((p) => p.name === 'prompt'), false, 'no receptionist grammar prompt with an LLM brain');
    await engine.close();
  });

  it('createLocalEngine takes the configured slots', async () => {
    const factory = await createLocalEngine({ logger: pino({ level: 'silent' }), network: { stt: { baseUrl: fake.baseUrl, model: 'whisper-1' }, tts: { baseUrl: fake.baseUrl, model: 'tts-1' }, llm: { baseUrl: fake.baseUrl, model: 'gpt-test' } } });
    const engine = await factory.create({ session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }) });
    const events: ServerEvent[] = [];
    engine.onEvent((e) => events.push(e));
    engine.start();
    const p = validateClientEvent({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello.' }] } });
    assert.ok(p.ok); engine.send(p.event);
    const r = validateClientEvent({ type: 'response.create' }); assert.ok(r.ok); engine.send(r.event);
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'response.done'); i++) await new Promise((res) => setTimeout(res, 20));
    const done = events.find((e) => e.type === 'response.done') as Extract<ServerEvent, { type: 'response.done' }>;
    assert.equal((done.response.output[0] as { content: Array<{ transcript: string }> }).content[0]?.transcript, 'You said: Hello.');
    assert.ok(events.some((e) => e.type === 'response.output_audio.delta'), 'spoken through the network TTS');
    await engine.close();
    await factory.close?.();
  });
});
