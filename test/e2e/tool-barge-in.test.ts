import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/index.js';
import type { BusinessStore, Store } from '../../src/store/types.js';
import { RawClient, type Json, spokenText } from '../helpers/realtime-client.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { streamRealtime } from '../helpers/voice-session.js';

const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
/** Longer than the filler threshold (1.5 s) and than the caller's interruption. */
const BOOKING_MS = 4000;


/** The store, with bookings that take BOOKING_MS: a slow back office. */
function slowBookings(store: Store): Store {
  const business: BusinessStore = Object.create(store.business) as BusinessStore;
  business.book = async (req, key) => {
    await sleep(BOOKING_MS);
    return store.business.book(req, key);
  };
  return { db: store.db, records: store.records, calls: store.calls, business, close: () => store.close() };
}

describe('the caller interrupts by voice while a tool runs (embedded engine)', { skip: missingTools() ?? false }, () => {
  let srv: TestServer;
  let store: Store;
  const audio = new AudioFactory();
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store: slowBookings(store) });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
  });

  it('interrupt_while_tool_runs: the filler is spoken, the caller talks over it, the booking lands once and its result is delivered once', async () => {
    const ws = await RawClient.connect(`${srv.wsUrl}?caller_id=barge-in-caller`);
    const sessionId = (await ws.next('session.created')).session.id as string;
    await ws.next('response.done', undefined, 15_000); // greeting
    const talk = (text: string, leadS = 0.4) => {
      const speech = audio.speech(text, leadS, 1.2, 24000);
      return streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    };

    await talk("I'd like to book a consultation next Tuesday at ten a.m.");
    const call = await ws.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 15_000);
    const args = JSON.parse(call.arguments);
    // The tool is slow: the agent fills the silence, and the caller talks over it.
    const filler = await ws.next('response.created', (e) => e.response.metadata?.parley_say !== undefined, 5000);
    // At once, while the filler is still being generated (it runs about a second ahead of playback).
    const interruption = talk('When are you open?', 0.05);
    const spoke = await ws.next('input_audio_buffer.speech_started', undefined, 5000);
    await interruption;

    const output = await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id, 15_000);
    const booked = JSON.parse(output.item.output).appointment;
    assert.equal(booked.time, '10:00');
    await ws.next('response.done', (e) => /all set/.test(spokenText(e.response)), 20_000);

    const at = (e: Json) => ws.events.indexOf(e);
    assert.ok(at(spoke) > at(filler) && at(spoke) < at(output), 'the caller spoke while the tool was still running');
    const fillerDone = ws.events.find((e) => e.type === 'response.done' && e.response.id === filler.response.id);
    assert.equal(fillerDone?.response.status, 'cancelled', 'the barge-in cut the filler short');
    const hours = ws.events.find((e) => e.type === 'response.done' && /Monday to Friday/.test(spokenText(e.response)));
    assert.ok(hours, 'the interruption was answered too');
    assert.equal(ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.type === 'function_call_output').length, 1, 'the call id was answered once');
    await ws.close();

    const rows = (await store.business.appointments({ date: args.date })).filter((a) => a.status === 'booked' && a.time === '10:00' && a.service === 'consultation');
    assert.equal(rows.length, 1, 'booked once');
    assert.equal(rows[0]?.id, booked.id);
    const deadline = Date.now() + 5000;
    let detail = await store.records.session(sessionId);
    while (!detail?.endedAt && Date.now() < deadline) detail = await sleep(50).then(() => store.records.session(sessionId));
    assert.deepEqual(
      detail?.toolCalls.map((c) => [c.callId, c.error]),
      [[call.call_id, null]],
      'one tool call recorded, with its result',
    );
  });
});
