import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient, spokenText } from '../helpers/realtime-client.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { streamRealtime } from '../helpers/voice-session.js';

/** A −60 dBFS microphone noise floor: real input is never digital silence. */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);


describe('the receptionist agent books by voice, then remembers the caller in a new session', { skip: missingTools() ?? false }, () => {
  let srv: TestServer;
  let store: Store;
  const audio = new AudioFactory();
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
  });

  it('session 1: a spoken booking runs book_appointment on the server and the row is in the database; session 2: the agent greets the caller with it and cancels it', async () => {
    const caller = 'web-caller-7f3a';
    const ws = await RawClient.connect(`${srv.wsUrl}?caller_id=${caller}`);
    const created = await ws.next('session.created');
    assert.equal(created.session.audio.input.turn_detection.type, 'server_vad', 'the agent is applied before any audio');
    const greeting = await ws.next('response.done', undefined, 15_000);
    assert.match(spokenText(greeting.response), /^Hi, thanks for calling Maple Street Clinic/);

    const speech = audio.speech("I'd like to book a consultation next Tuesday at ten a.m.", 0.5, 1.2, 24000);
    await streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    const call = await ws.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 15_000);
    const args = JSON.parse(call.arguments);
    assert.equal(args.service, 'consultation');
    assert.equal(args.time, '10:00');
    const out = await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id, 10_000);
    const booked = JSON.parse(out.item.output).appointment;
    assert.equal(booked.date, args.date);
    const confirm = await ws.next('response.done', (e) => /You're all set/.test(spokenText(e.response)), 15_000);
    assert.match(spokenText(confirm.response), /consultation .* at 10 a\.m\./);
    const row = await store.business.appointment(booked.id);
    assert.equal(row?.status, 'booked');
    assert.equal(row?.time, '10:00');
    await ws.close();

    // A new session for the same caller: the memory is injected before the greeting.
    const ws2 = await RawClient.connect(`${srv.wsUrl}?caller_id=${caller}`);
    const context = await ws2.next('conversation.item.added', (e) => e.item.role === 'system', 10_000);
    assert.match(context.item.content[0].text, new RegExp(booked.id));
    const hello = await ws2.next('response.done', undefined, 15_000);
    assert.match(spokenText(hello.response), /^Welcome back to Maple Street Clinic\. I see you have a consultation .* at 10 a\.m\./);
    ws2.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Please cancel my appointment' }] } });
    ws2.send({ type: 'response.create' });
    const cancel = await ws2.next('response.function_call_arguments.done', (e) => e.name === 'cancel_appointment', 15_000);
    assert.deepEqual(JSON.parse(cancel.arguments), { appointment_id: booked.id });
    await ws2.next('response.done', (e) => /cancelled/.test(spokenText(e.response)), 15_000);
    assert.equal((await store.business.appointment(booked.id))?.status, 'cancelled');
    await ws2.close();
  });
});
