import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { builtinToolDefinition, BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';
import { RawClient } from '../helpers/realtime-client.js';
import { AudioFactory } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const hasEspeak = (() => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const TOOLS = (Object.keys(BUILTIN_TOOLS) as BuiltinToolName[]).map(builtinToolDefinition);

describe('local engine over /v1/realtime (text in)', { skip: hasEspeak ? false : 'espeak-ng is not installed: sudo apt-get install espeak-ng' }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ engine: { default: 'local' } });
  });
  after(() => srv.close());

  it('calls the booking tool, then speaks the confirmation as PCM16 audio in step with its transcript', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    ws.send({ type: 'session.update', session: { type: 'realtime', tools: TOOLS } });
    await ws.next('session.updated');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: "I'd like to book a consultation next Tuesday at ten a.m." }] } });
    ws.send({ type: 'response.create' });
    const args = await ws.next('response.function_call_arguments.done');
    assert.equal(args.name, 'book_appointment');
    const parsed = BUILTIN_TOOLS.book_appointment.args.parse(JSON.parse(args.arguments));
    assert.equal(parsed.service, 'consultation');
    assert.equal(parsed.time, '10:00');
    assert.match(parsed.date, /^\d{4}-\d{2}-\d{2}$/);
    await ws.next('response.done');
    ws.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: args.call_id, output: JSON.stringify({ appointment: { id: 'appt_1' } }) } });
    ws.send({ type: 'response.create' });
    const done = await ws.next('response.done', undefined, 15_000);
    assert.equal(done.response.status, 'completed');
    const transcript = done.response.output[0].content[0].transcript as string;
    assert.match(transcript, /^You're all set: a consultation .* at 10 a\.m\. Anything else\?$/);
    const from = ws.events.findIndex((e) => e.type === 'response.created' && e.response.id === done.response.id);
    const audio = ws.events.slice(from).filter((e) => e.type === 'response.output_audio.delta');
    const bytes = audio.reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0);
    const seconds = bytes / 48_000;
    assert.ok(seconds > 1.5 && seconds < 10, `plausible speech length, got ${seconds} s`);
    assert.ok(audio.length >= 10, 'streamed in ~100 ms chunks');
    const deltas = ws.events.slice(from).filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => e.delta).join('');
    assert.equal(deltas, transcript);
    await ws.close();
  });

  it('speaks G.711 µ-law when the session asks for it', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    ws.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    await ws.next('session.updated');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'when are you open' }] } });
    ws.send({ type: 'response.create' });
    const done = await ws.next('response.done', undefined, 15_000);
    const bytes = ws.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0);
    assert.match(done.response.output[0].content[0].transcript, /open Monday to Friday/);
    assert.ok(bytes / 8000 > 3, `8 kHz µ-law: ${bytes} bytes`);
    await ws.close();
  });

  it('response.cancel stops speech mid-sentence', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'when are you open' }] } });
    ws.send({ type: 'response.create' });
    await ws.next('response.output_audio.delta');
    ws.send({ type: 'response.cancel' });
    const done = await ws.next('response.done');
    assert.equal(done.response.status, 'cancelled');
    const full = "We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m.";
    assert.notEqual(done.response.output[0].content[0].transcript, full);
    await ws.close();
  });

  it('barge-in: caller speech cancels the response (turn_detected); truncate keeps only what was heard', async () => {
    const audio = new AudioFactory();
    const speech = audio.speech('Wait, I have a question about that', 0.6, 0.8, 24000);
    audio.dispose();
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'when are you open' }] } });
    ws.send({ type: 'response.create' });
    const first = await ws.next('response.output_audio.delta');
    const playbackStart = Date.now();
    // The caller talks over the agent, at real-time pace in 20 ms frames.
    const frame = 480;
    let speechStarted: Record<string, unknown> | null = null;
    void ws.next('input_audio_buffer.speech_started', undefined, 10_000).then((e) => (speechStarted = e));
    for (let i = 0; i < speech.length && !speechStarted; i += frame) {
      const chunk = speech.subarray(i, i + frame);
      ws.send({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') });
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(speechStarted, 'the VAD heard the caller');
    const done = await ws.next('response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.deepEqual(done.response.status_details, { type: 'cancelled', reason: 'turn_detected' });
    const itemId = first.item_id as string;
    const sentMs = ws.events.filter((e) => e.type === 'response.output_audio.delta' && e.item_id === itemId).reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0) / 48;
    const heardMs = Math.min(Math.floor(sentMs), Date.now() - playbackStart);
    ws.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: heardMs });
    const truncated = await ws.next('conversation.item.truncated');
    assert.equal(truncated.audio_end_ms, heardMs);
    ws.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const item = (await ws.next('conversation.item.retrieved')).item;
    const full = "We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m.";
    assert.ok(full.startsWith(item.content[0].transcript), `kept transcript is a prefix of what was said: "${item.content[0].transcript}"`);
    assert.ok(item.content[0].transcript.length < full.length, 'unheard words are dropped');
    assert.equal(Buffer.from(item.content[0].audio, 'base64').byteLength, heardMs * 48, 'audio cut at the heard position');
    await ws.close();
  });

  it('idle timeout: after the answer has played and idle_timeout_ms passed, timeout_triggered and a re-prompt', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    ws.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 400 } } } } });
    await ws.next('session.updated');
    ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    ws.send({ type: 'response.create' });
    const first = await ws.next('response.done', undefined, 10_000);
    const firstAudio = ws.events.findIndex((e) => e.type === 'response.output_audio.delta');
    const playedMs = ws.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').byteLength, 0) / 48;
    const playbackEnd = (ws.times[firstAudio] as number) + playedMs;
    const timeout = await ws.next('input_audio_buffer.timeout_triggered', undefined, 15_000);
    const firedAt = ws.times[ws.events.indexOf(timeout)] as number;
    // Timers never fire early; allow a little for the first chunk's transit.
    assert.ok(firedAt >= playbackEnd + 400 - 50, `fired ${firedAt - playbackEnd} ms after playback ended; idle_timeout_ms is 400`);
    assert.ok(firedAt <= playbackEnd + 400 + 1000, `fired ${firedAt - playbackEnd} ms after playback ended, too late`);
    assert.equal(typeof timeout.audio_start_ms, 'number');
    const reprompt = await ws.next('response.done', (e) => e.response.id !== first.response.id, 15_000);
    assert.match(reprompt.response.output[0].content[0].transcript, /still there/);
    await ws.close();
  });
});
