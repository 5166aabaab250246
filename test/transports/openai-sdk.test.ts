import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { testCertificate } from '../helpers/tls.js';

/** The next event of a type, from the SDK client's typed emitter. */
function nextEvent<T extends RealtimeServerEvent['type']>(rt: OpenAIRealtimeWS, type: T): Promise<Extract<RealtimeServerEvent, { type: T }>> {
  return new Promise((resolve) => {
    const on = (e: RealtimeServerEvent): void => {
      if (e.type === type) {
        rt.off('event', on);
        resolve(e as Extract<RealtimeServerEvent, { type: T }>);
      }
    };
    rt.on('event', on);
  });
}

describe('official openai SDK realtime client against Parley', () => {
  let srv: TestServer;
  before(async () => {
    // The SDK always dials wss://, so Parley serves TLS here as it would in production.
    srv = await startTestServer({}, { tls: testCertificate() });
  });
  after(() => srv.close());

  it('connects with a base URL, updates the session, sends a text message and receives a completed response', async () => {
    const client = new OpenAI({ apiKey: 'sk-parley-test', baseURL: `${srv.url}/v1` });
    const rt = await OpenAIRealtimeWS.create(client, { model: 'gpt-realtime', options: { ca: testCertificate().cert } });
    const errors: unknown[] = [];
    rt.on('error', (e) => errors.push(e));
    const created = nextEvent(rt, 'session.created');
    await once(rt.socket, 'open');
    const session = (await created).session;
    assert.equal(session.type, 'realtime');
    assert.equal((session as { model?: string }).model, 'gpt-realtime', '?model= is echoed as OpenAI does');

    const updated = nextEvent(rt, 'session.updated');
    rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], instructions: 'Answer briefly.' } });
    const s = (await updated).session as { output_modalities?: string[]; instructions?: string; audio?: { output?: { voice?: string } } };
    assert.deepEqual(s.output_modalities, ['text']);
    assert.equal(s.instructions, 'Answer briefly.');
    assert.equal(s.audio?.output?.voice, 'alloy', 'a partial update keeps the other fields');

    const added = nextEvent(rt, 'conversation.item.added');
    rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello Parley' }] } });
    assert.equal((await added).item.type, 'message');

    const deltas: string[] = [];
    rt.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const done = nextEvent(rt, 'response.done');
    rt.send({ type: 'response.create' });
    const response = (await done).response;
    assert.equal(response.status, 'completed');
    assert.equal(deltas.join(''), 'You said: Hello Parley');
    const item = response.output?.[0];
    assert.ok(item && item.type === 'message');
    assert.deepEqual(item.content?.[0], { type: 'output_text', text: 'You said: Hello Parley' });
    assert.ok((response.usage?.total_tokens ?? 0) > 0, 'usage is reported');
    assert.deepEqual(errors, []);
    rt.close();
  });
});
