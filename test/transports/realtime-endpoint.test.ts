import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseServerEvent } from '../../src/protocol/schemas/index.js';
import { RawClient, type Json } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const userText = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }], ...extra },
});
const silence = (ms: number): string => Buffer.alloc(ms * 48).toString('base64');

/** Everything Parley sent must validate against the GA server-event schemas (themselves checked against the SDK's types). */
function assertAllValid(events: readonly Json[]): void {
  for (const e of events) {
    const parsed = parseServerEvent(e);
    assert.ok(parsed.known, `${e.type} does not match its GA schema: ${JSON.stringify('issues' in parsed ? parsed.issues : e)}`);
  }
}

describe('/v1/realtime conversation state', () => {
  let srv: TestServer;
  let c: RawClient;
  before(async () => {
    srv = await startTestServer({ limits: { maxConversationItems: 8, maxFrameBytes: 64 * 1024 } });
  });
  after(() => srv.close());

  const connect = async (): Promise<RawClient> => {
    c = await RawClient.connect(`${srv.wsUrl}?model=gpt-realtime`);
    await c.next('session.created');
    return c;
  };

  it('sends session.created first, with the requested model and an id', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?model=gpt-realtime-mini`);
    const first = await ws.next('session.created');
    assert.equal(ws.events[0]?.type, 'session.created');
    assert.equal(first.session.model, 'gpt-realtime-mini');
    assert.match(first.session.id, /^sess_/);
    assert.match(first.event_id, /^event_/);
    await ws.close();
  });

  it('session.update merges partial updates and clears with null', async () => {
    const ws = await connect();
    ws.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be kind.' } });
    await ws.next('session.updated');
    ws.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'marin' }, input: { turn_detection: { type: 'server_vad', threshold: 0.7 } } } } });
    const s = (await ws.next('session.updated')).session;
    assert.equal(s.instructions, 'Be kind.');
    assert.equal(s.audio.output.voice, 'marin');
    assert.deepEqual(s.audio.output.format, { type: 'audio/pcm', rate: 24000 });
    assert.equal(s.audio.input.turn_detection.threshold, 0.7);
    assert.equal(s.audio.input.turn_detection.silence_duration_ms, 500, 'a new turn_detection object gets its defaults');
    ws.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    assert.equal((await ws.next('session.updated')).session.audio.input.turn_detection, null);
    ws.send({ type: 'session.update', event_id: 'e1', session: { type: 'realtime', voice: 'alloy' } });
    const err = await ws.next('error');
    assert.deepEqual(err.error, { type: 'invalid_request_error', code: 'unknown_parameter', message: "Unknown parameter: 'session.voice'.", param: 'session.voice', event_id: 'e1' });
    ws.send({ type: 'session.update', event_id: 'e2', session: { type: 'realtime', model: 'other-model' } });
    assert.equal((await ws.next('error')).error.code, 'cannot_update_model');
    await ws.close();
  });

  it('input audio buffer: append/commit creates a user item; too short and clear are handled', async () => {
    const ws = await connect();
    ws.send({ type: 'input_audio_buffer.commit', event_id: 'c0' });
    const empty = await ws.next('error');
    assert.equal(empty.error.code, 'input_audio_buffer_commit_empty');
    assert.equal(empty.error.event_id, 'c0');
    ws.send({ type: 'input_audio_buffer.append', audio: silence(50) });
    ws.send({ type: 'input_audio_buffer.clear' });
    await ws.next('input_audio_buffer.cleared');
    ws.send({ type: 'input_audio_buffer.append', audio: silence(150) });
    ws.send({ type: 'input_audio_buffer.append', audio: silence(100) });
    ws.send({ type: 'input_audio_buffer.commit' });
    const committed = await ws.next('input_audio_buffer.committed');
    const added = await ws.next('conversation.item.added');
    const done = await ws.next('conversation.item.done');
    assert.equal(added.item.id, committed.item_id);
    assert.equal(done.item.id, committed.item_id);
    assert.deepEqual(added.item.content, [{ type: 'input_audio' }], 'audio bytes are omitted from item events');
    ws.send({ type: 'conversation.item.retrieve', item_id: committed.item_id });
    const got = await ws.next('conversation.item.retrieved');
    assert.equal(Buffer.from(got.item.content[0].audio, 'base64').byteLength, 250 * 48, 'retrieve returns the committed audio');
    assertAllValid(ws.events);
    ws.send({ type: 'input_audio_buffer.append', audio: 'not base64!!' });
    assert.equal((await ws.next('error')).error.param, 'audio');
    ws.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(3).toString('base64') });
    assert.match((await ws.next('error')).error.message, /whole 16-bit samples/);
    await ws.close();
  });

  it('conversation.item.create / retrieve / delete with previous_item_id and their errors', async () => {
    const ws = await connect();
    ws.send(userText('one', { id: 'item_one' }));
    assert.equal((await ws.next('conversation.item.added')).previous_item_id, null);
    ws.send({ ...userText('zero', { id: 'item_zero' }), previous_item_id: 'root' });
    assert.equal((await ws.next('conversation.item.added')).previous_item_id, null);
    ws.send({ ...userText('half', { id: 'item_half' }), previous_item_id: 'item_zero' });
    assert.equal((await ws.next('conversation.item.added')).previous_item_id, 'item_zero');
    ws.send({ ...userText('x'), previous_item_id: 'item_missing', event_id: 'p1' });
    const e1 = await ws.next('error');
    assert.deepEqual([e1.error.code, e1.error.param, e1.error.event_id], ['item_not_found', 'previous_item_id', 'p1']);
    ws.send(userText('dup', { id: 'item_one' }));
    assert.equal((await ws.next('error')).error.code, 'item_already_exists');
    ws.send({ type: 'conversation.item.retrieve', item_id: 'item_half' });
    assert.equal((await ws.next('conversation.item.retrieved')).item.content[0].text, 'half');
    ws.send({ type: 'conversation.item.delete', item_id: 'item_half' });
    assert.equal((await ws.next('conversation.item.deleted')).item_id, 'item_half');
    ws.send({ type: 'conversation.item.delete', item_id: 'item_half' });
    assert.equal((await ws.next('error')).error.code, 'item_not_found');
    ws.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' } });
    assert.equal((await ws.next('error')).error.param, 'item.call_id');
    await ws.close();
  });

  it('truncate: only assistant audio, never past its end', async () => {
    const ws = await connect();
    ws.send(userText('hello', { id: 'item_u' }));
    ws.send({ type: 'response.create' });
    const done = await ws.next('response.done');
    const assistantId = done.response.output[0].id as string;
    ws.send({ type: 'conversation.item.truncate', item_id: 'item_u', content_index: 0, audio_end_ms: 0 });
    assert.equal((await ws.next('error')).error.param, 'item_id');
    ws.send({ type: 'conversation.item.truncate', item_id: assistantId, content_index: 0, audio_end_ms: 1500 });
    const past = await ws.next('error');
    assert.equal(past.error.code, 'invalid_truncate');
    assert.equal(past.error.param, 'audio_end_ms');
    ws.send({ type: 'conversation.item.truncate', item_id: assistantId, content_index: 0, audio_end_ms: 0 });
    const t = await ws.next('conversation.item.truncated');
    assert.deepEqual([t.item_id, t.content_index, t.audio_end_ms], [assistantId, 0, 0]);
    ws.send({ type: 'conversation.item.truncate', item_id: 'item_ghost', content_index: 0, audio_end_ms: 0 });
    assert.equal((await ws.next('error')).error.code, 'item_not_found');
    await ws.close();
  });

  it('one active response: a second response.create is refused; out-of-band runs beside it; cancel works', async () => {
    const ws = await connect();
    ws.send(userText('a long answer please'));
    ws.send({ type: 'response.create', response: { metadata: { echo_delay_ms: '100' } } });
    const created = await ws.next('response.created');
    ws.send({ type: 'response.create', event_id: 'second' });
    const busy = await ws.next('error');
    assert.equal(busy.error.code, 'conversation_already_has_active_response');
    assert.equal(busy.error.event_id, 'second');
    ws.send({
      type: 'response.create',
      response: { conversation: 'none', output_modalities: ['text'], metadata: { purpose: 'classifier' }, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'classify this' }] }] },
    });
    const oob = await ws.next('response.done', (e) => e.response.metadata?.purpose === 'classifier');
    assert.equal(oob.response.conversation_id, null);
    assert.equal(oob.response.status, 'completed');
    assert.equal(oob.response.output[0].content[0].text, 'You said: classify this');
    assert.equal(ws.events.some((e) => e.type === 'conversation.item.added' && e.item.id === oob.response.output[0].id), false, 'out-of-band output is not added to the conversation');
    ws.send({ type: 'response.cancel' });
    const cancelled = await ws.next('response.done', (e) => e.response.id === created.response.id);
    assert.equal(cancelled.response.status, 'cancelled');
    assert.deepEqual(cancelled.response.status_details, { type: 'cancelled', reason: 'client_cancelled' });
    assert.equal(cancelled.response.output[0].status, 'incomplete');
    assertAllValid(ws.events);
    await ws.next('rate_limits.updated');
    ws.send({ type: 'response.cancel', event_id: 'none-active' });
    assert.equal((await ws.next('error')).error.code, 'response_cancel_not_active');
    ws.send({ type: 'response.create' });
    assert.equal((await ws.next('response.done')).response.status, 'completed', 'a new response may start after the cancel');
    await ws.close();
  });

  it('audio response follows sequence C in order, then rate_limits.updated', async () => {
    const ws = await connect();
    ws.send(userText('hi'));
    await ws.next('conversation.item.done');
    const from = ws.events.length;
    ws.send({ type: 'response.create' });
    await ws.next('rate_limits.updated');
    const order = [...new Set(ws.types(from))];
    assert.deepEqual(order, [
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_audio_transcript.delta',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
      'rate_limits.updated',
    ]);
    assertAllValid(ws.events);
    const rl = ws.events.at(-1) as Json;
    assert.deepEqual(rl.rate_limits.map((r: { name: string }) => r.name), ['requests', 'tokens']);
    assert.equal(rl.rate_limits[0].remaining, rl.rate_limits[0].limit - 1);
    await ws.close();
  });

  it('function call round trip (sequence D)', async () => {
    const ws = await connect();
    const tool = { type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
    ws.send({ type: 'session.update', session: { type: 'realtime', tools: [tool], output_modalities: ['text'] } });
    await ws.next('session.updated');
    ws.send(userText('call get_weather {"city":"Paris"}'));
    ws.send({ type: 'response.create' });
    const args = await ws.next('response.function_call_arguments.done');
    assert.equal(args.name, 'get_weather');
    assert.equal(args.arguments, '{"city":"Paris"}');
    const done = await ws.next('response.done');
    assert.equal(done.response.output[0].type, 'function_call');
    ws.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: args.call_id, output: '{"temp_c":18}' } });
    await ws.next('conversation.item.done', (e) => e.item.type === 'function_call_output');
    ws.send({ type: 'response.create' });
    const answer = await ws.next('response.done');
    assert.equal(answer.response.output[0].content[0].text, 'The get_weather tool returned: {"temp_c":18}');
    assertAllValid(ws.events);
    await ws.close();
  });

  it('limits: the item past maxConversationItems and an oversized frame are errors; the socket stays open', async () => {
    const ws = await connect();
    for (let i = 0; i < 8; i++) ws.send(userText(`m${i}`));
    ws.send({ ...userText('one too many'), event_id: 'full' });
    const full = await ws.next('error');
    assert.equal(full.error.code, 'conversation_max_items_exceeded');
    assert.equal(full.error.event_id, 'full');
    ws.sendRaw(JSON.stringify({ type: "input_audio_buffer.append", audio: silence(1400) })); // ~90 KB > the 64 KiB limit
    const big = await ws.next('error');
    assert.equal(big.error.code, 'frame_too_large');
    ws.send({ type: 'conversation.item.delete', item_id: ws.events.find((e) => e.type === 'conversation.item.added')?.item.id });
    await ws.next('conversation.item.deleted');
    assert.equal(ws.ws.readyState, ws.ws.OPEN);
    await ws.close();
  });
});

describe('HTTP surface', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  it('healthz and readyz answer; a plain GET on /v1/realtime asks for an upgrade; unknown agents are 404', async () => {
    assert.deepEqual(await (await fetch(`${srv.url}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${srv.url}/readyz`)).status, 200);
    const plain = await fetch(`${srv.url}/v1/realtime`);
    assert.equal(plain.status, 426);
    await assert.rejects(RawClient.connect(`${srv.wsUrl}?agent=nobody`), /HTTP 404/);
  });
});

describe('graceful shutdown', () => {
  it('closes live sessions with 1001 and a reason, turns unready, refuses new sessions', async () => {
    const srv = await startTestServer();
    const ws = await RawClient.connect(srv.wsUrl);
    await ws.next('session.created');
    const closed = new Promise<[number, string]>((resolve) => ws.ws.once('close', (code, reason) => resolve([code, String(reason)])));
    const shutdown = srv.server.shutdown('server shutting down');
    assert.equal(srv.server.draining, true);
    assert.deepEqual(await closed, [1001, 'server shutting down']);
    await shutdown;
    assert.equal(srv.server.sessions.size, 0);
    await assert.rejects(fetch(`${srv.url}/healthz`), 'the listener is closed');
  });
});
