import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { EchoModel } from '../../src/engines/echo/echo-model.js';
import { InProcessEngine } from '../../src/engines/inprocess/inprocess-engine.js';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { Driver } from '../helpers/engine-driver.js';

const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 1 << 24, maxInputBufferBytes: 1 << 24, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };

describe('in-process responder', () => {
  it('response_create_in_a_response_done_listener: the conversation is free when response.done goes out', async () => {
    const engine = new InProcessEngine('echo', { session: defaultSessionConfig('echo'), limits: LIMITS, logger: pino({ level: 'silent' }) }, new EchoModel());
    let answered = false;
    // As a client (or the agent runtime's queue) does: the next response the moment one is done.
    engine.onEvent((e) => {
      if (e.type === 'response.done' && !answered) {
        answered = true;
        engine.send({ type: 'response.create' });
      }
    });
    const d = new Driver(engine);
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    d.send({ type: 'response.create' });
    const first = await d.next('response.done');
    const second = await d.next('response.done', d.events.indexOf(first) + 1);
    assert.notEqual(second.response.id, first.response.id);
    assert.equal(second.response.status, 'completed');
    assert.deepEqual(
      d.events.filter((e) => e.type === 'error'),
      [],
    );
    await engine.close();
  });
});
