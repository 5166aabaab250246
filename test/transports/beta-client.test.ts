import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const GA_ONLY = /^(response\.output_(text|audio|audio_transcript)\.|conversation\.item\.(added|done)$)/;

describe('a client written as in the older (beta) tutorials', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('with the OpenAI-Beta header: flat session, beta event names, a completed text response', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?model=gpt-4o-realtime-preview-2024-12-17`, {
      headers: { Authorization: 'Bearer sk-test', 'OpenAI-Beta': 'realtime=v1' },
    });
    const created = await ws.next('session.created');
    const s0 = created.session as Record<string, unknown>;
    assert.equal(s0.input_audio_format, 'pcm16');
    assert.equal(s0.voice, 'alloy');
    assert.deepEqual(s0.modalities, ['text', 'audio']);
    await ws.next('conversation.created');

    ws.send({
      type: 'session.update',
      session: {
        modalities: ['text'],
        instructions: 'Please assist the user.',
        voice: 'alloy',
        input_audio_format: 'pcm16',
        output_audio_format: 'pcm16',
        input_audio_transcription: { model: 'whisper-1' },
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
        temperature: 0.8,
      },
    });
    const updated = (await ws.next('session.updated')).session as Record<string, unknown>;
    assert.deepEqual(updated.modalities, ['text']);
    assert.equal(updated.instructions, 'Please assist the user.');
    assert.equal((updated.input_audio_transcription as { model: string }).model, 'whisper-1');
    assert.equal((updated.turn_detection as { silence_duration_ms: number }).silence_duration_ms, 500);

    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello!' }] } });
    const item = await ws.next('conversation.item.created');
    assert.equal((item.item as { role: string }).role, 'user');

    ws.send({ type: 'response.create', response: { modalities: ['text'], instructions: 'Please assist the user.' } });
    const done = await ws.next('response.done');
    const response = done.response as { status: string; modalities: string[]; output: { content: { type: string; text: string }[] }[] };
    assert.equal(response.status, 'completed');
    assert.deepEqual(response.modalities, ['text']);
    assert.deepEqual(response.output[0]?.content[0], { type: 'text', text: 'You said: Hello!' });
    const textDone = ws.events.find((e) => e.type === 'response.text.done');
    assert.equal(textDone?.text, 'You said: Hello!');
    const deltas = ws.events.filter((e) => e.type === 'response.text.delta').map((e) => e.delta).join('');
    assert.equal(deltas, 'You said: Hello!');
    assert.deepEqual(ws.types().filter((t) => GA_ONLY.test(t)), [], 'a beta client never sees a GA name');
    await ws.close();
  });

  it('with the openai-beta.realtime-v1 subprotocol (browser style): beta names, and the "realtime" subprotocol is selected', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?model=gpt-4o-realtime-preview`, {
      protocols: ['realtime', 'openai-insecure-api-key.ek_test', 'openai-beta.realtime-v1'],
    });
    assert.equal(ws.ws.protocol, 'realtime');
    await ws.next('session.created');
    ws.send({ type: 'session.update', session: { modalities: ['text', 'audio'], voice: 'verse' } });
    assert.equal((await ws.next('session.updated')).session?.voice, 'verse');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } });
    ws.send({ type: 'response.create' });
    await ws.next('response.done');
    const types = ws.types();
    assert.ok(types.includes('response.audio_transcript.delta'), `beta transcript deltas expected, got ${types.join(',')}`);
    assert.ok(types.includes('response.audio_transcript.done'));
    assert.deepEqual(types.filter((t) => GA_ONLY.test(t)), []);
    await ws.close();
  });

  it('a GA client never sees a beta name', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?model=gpt-realtime`);
    await ws.next('session.created');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } });
    ws.send({ type: 'response.create' });
    await ws.next('response.done');
    const beta = ws.types().filter((t) => /^(response\.(audio|text|audio_transcript)\.|conversation\.item\.created$|conversation\.created$)/.test(t));
    assert.deepEqual(beta, []);
    assert.ok(ws.types().includes('response.output_audio_transcript.done'));
    await ws.close();
  });
});
