import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resample, ulawToPcm16 } from '../../src/audio/index.js';
import type { ServerEvent } from '../../src/protocol/schemas/index.js';
import { TwilioNetwork, type SimulatedCall } from '../../src/simulators/twilio/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { hearBookingConfirmation } from '../helpers/agent-replies.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTwilioServer, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, type TwilioTestServer } from '../helpers/twilio.js';

/** A phone line's noise floor (−60 dBFS): real lines are never digital silence. */
const LINE_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const RECEPTIONIST = '+15550100000';

function sessionIdOf(call: SimulatedCall): string {
  const id = call.customParameters?.session_id;
  assert.ok(id, 'the TwiML carried the session id');
  return id;
}

/** Everything the session emits from now on (the engine's view: truncations, transcripts). */
function watch(srv: TwilioTestServer, sessionId: string): ServerEvent[] {
  const events: ServerEvent[] = [];
  const session = srv.server.sessions.get(sessionId);
  assert.ok(session, 'the session is live');
  session.onEvent((e) => events.push(e));
  return events;
}

/** The µ-law the caller heard from `fromMs` on, as PCM16 24 kHz. */
const heardSince = (call: SimulatedCall, fromMs: number): Int16Array => resample(ulawToPcm16(call.heard().subarray(Math.floor(fromMs * 8))), 8000, 24000);

const skip = missingTools() ?? false;

describe('phone calls through the Twilio simulator (embedded engine)', { skip }, () => {
  let srv: TwilioTestServer;
  let net: TwilioNetwork;
  let store: Store;
  const audio = new AudioFactory();
  const say = (text: string): Int16Array => {
    const speech = audio.speech(text, 0.3, 1.2, 8000, 'en-us', 160);
    return mix(speech, whiteNoise(speech.length), LINE_FLOOR_RMS);
  };
  const dial = (from: string): Promise<SimulatedCall> => net.call({ baseUrl: srv.publicUrl, from, to: RECEPTIONIST });

  before(async () => {
    net = await TwilioNetwork.start({ authToken: TWILIO_AUTH_TOKEN, accountSid: TWILIO_ACCOUNT_SID });
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTwilioServer({ engine: { default: 'local' }, twilio: { accountSid: TWILIO_ACCOUNT_SID, apiUrl: net.restUrl } }, { store });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
    await net.close();
  });

  it('books an appointment by voice, hears it confirmed, and is hung up on after the goodbye (REST)', async () => {
    const call = await dial('+15550100201');
    const sessionId = sessionIdOf(call);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    assert.ok(call.marks.length > 100, `the greeting was played and acknowledged (${call.marks.length} marks)`);

    // Telephone audio (8 kHz µ-law) is harder for the embedded recogniser than wideband: this
    // request is one it hears exactly on the phone (docs/benchmarks.md has the narrowband rate).
    const askedAt = call.clockMs();
    await call.play(say("I'd like to book a consultation on Wednesday at eleven a.m."), 8000);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 1000, timeoutMs: 30_000 });
    const confirmation = await hearBookingConfirmation(heardSince(call, askedAt));
    assert.match(confirmation, /you're all set a consultation wednesday .* at eleven a\.?m/, `what the caller heard: "${confirmation}"`);

    const detail = await store.records.session(sessionId);
    assert.ok(detail);
    assert.equal(detail.transport, 'twilio');
    assert.equal(detail.callerId, '+15550100201');
    const booking = detail.toolCalls.find((t) => t.name === 'book_appointment');
    assert.ok(booking, `tool calls: ${detail.toolCalls.map((t) => t.name).join(', ')}`);
    assert.deepEqual({ service: (booking.arguments as { service: string }).service, time: (booking.arguments as { time: string }).time }, { service: 'consultation', time: '11:00' });
    const id = (booking.output as { appointment?: { id?: string } }).appointment?.id;
    assert.ok(id);
    assert.equal((await store.business.appointment(id))?.status, 'booked');

    await call.play(say('Goodbye'), 8000);
    const end = await call.ended;
    assert.equal(end.by, 'rest-completed', 'Parley hung up through the REST API');
    // The goodbye was heard to its end: its last mark came back as played before the hang-up.
    const last = call.marks.at(-1);
    assert.ok(last && !last.discarded, 'the last mark was played, not cleared');
    const record = await store.calls.call(call.callSid);
    assert.equal(record?.sessionId, sessionId);
    assert.ok(record?.events.some((e) => e.source === 'parley' && e.event === 'hangup' && e.detail.via === 'rest'));
    assert.equal((await store.records.session(sessionId))?.endReason, 'end_call');
  });

  it('a barge-in clears Twilio\'s queue and truncates the greeting at the last acknowledged mark', async () => {
    const call = await dial('+15550100202');
    const sessionId = sessionIdOf(call);
    const events = watch(srv, sessionId);
    // Let about 1.5 s of the greeting play, then talk over it.
    await call.waitForMarks(75, 15_000);
    await call.play(say('When are you open'), 8000);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 30_000 });

    assert.equal(call.clears, 1, 'one clear');
    const truncated = events.filter((e): e is Extract<ServerEvent, { type: 'conversation.item.truncated' }> => e.type === 'conversation.item.truncated');
    assert.equal(truncated.length, 1, 'one truncation');
    // The greeting's marks: those before the clear (the answer's come after it).
    const firstDiscarded = call.marks.findIndex((m) => m.discarded);
    const played = call.marks.slice(0, firstDiscarded).filter((m) => !m.discarded);
    assert.ok(call.marks.some((m) => m.discarded), 'marks still queued were discarded by the clear');
    // The greeting is the call's first audio, so a mark's position in it is the audio played before it.
    const acknowledged = played.map((m) => m.playedBytesBefore / 8);
    const lastAcked = acknowledged.at(-1)!;
    const cutAt = truncated[0]!.audio_end_ms;
    // It lands on the last mark Parley had received as played when it heard the caller. Marks
    // Twilio acknowledged after it were still on their way then: acknowledged moments before
    // the clear arrived (one or two 20 ms frames).
    assert.ok(acknowledged.includes(cutAt), `truncated at ${cutAt} ms, a position Twilio acknowledged (last: ${lastAcked} ms)`);
    const clearAt = call.marks[firstDiscarded]!.ackedAtMs;
    const inFlight = played.filter((m) => m.playedBytesBefore / 8 > cutAt);
    for (const m of inFlight) assert.ok(clearAt - m.ackedAtMs <= 200, `mark at ${m.playedBytesBefore / 8} ms was acknowledged ${Math.round(clearAt - m.ackedAtMs)} ms before the clear arrived: Parley should have known it`);
    assert.ok(cutAt >= 1400, `about 1.5 s were heard (${cutAt} ms)`);
    const greeting = (await store.records.session(sessionId))?.transcript.find((t) => t.role === 'assistant');
    assert.equal(greeting?.truncated, true, 'the record keeps the greeting as heard');
    // And then the question was answered.
    const answered = events.some((e) => e.type === 'response.output_audio_transcript.done' && /open Monday to Friday/.test(e.transcript));
    assert.ok(answered, 'the agent answered the question it was interrupted with');
    await call.hangUp();
  });

  it('passes keypad entries to the agent: an order number typed after the agent asks for it', async () => {
    const call = await dial('+15550100203');
    const sessionId = sessionIdOf(call);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    await call.play(say('Where is my order'), 8000);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 30_000 });
    await call.pressDigits('1234#');
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 30_000 });
    const detail = await store.records.session(sessionId);
    assert.ok(detail?.transcript.some((t) => t.role === 'user' && t.text === 'Keypad: 1234#'), 'the entry is the caller\'s words');
    const lookup = detail?.toolCalls.find((t) => t.name === 'lookup_order');
    assert.deepEqual(lookup?.arguments, { order_id: '1234' });
    assert.ok(detail?.transcript.some((t) => t.role === 'assistant' && /^Order 1234 is shipped/.test(t.text)), 'the agent read out the order');
    await call.hangUp();
  });

  it('greets a known caller by name, from their phone number', async () => {
    const call = await dial('+16175550199'); // Maria Lopez in the demo data
    const sessionId = sessionIdOf(call);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    const detail = await store.records.session(sessionId);
    const greeting = detail?.transcript.find((t) => t.role === 'assistant');
    assert.match(greeting?.text ?? '', /^Hi Maria, welcome back to Maple Street Clinic\./);
    assert.ok(call.marks.length > 50, 'and the caller heard it');
    await call.hangUp();
  });

  it('transfers to a person when asked (REST: the call\'s TwiML replaced by a <Dial>)', async () => {
    const call = await dial('+15550100204');
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    await call.play(say('I want to talk to a real person'), 8000);
    const end = await call.ended;
    assert.equal(end.by, 'rest-twiml');
    assert.equal(end.transferredTo, '+15550100999', "the agent's phone.transferTo");
  });
});

describe('phone calls without REST credentials: TwiML carries out the hang-up and the transfer', { skip }, () => {
  let srv: TwilioTestServer;
  let net: TwilioNetwork;
  const audio = new AudioFactory();
  before(async () => {
    net = await TwilioNetwork.start({ authToken: TWILIO_AUTH_TOKEN, accountSid: TWILIO_ACCOUNT_SID });
    srv = await startTwilioServer({ engine: { default: 'local' } });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
    await net.close();
  });

  it('transfer: the stream is closed and the <Connect action> answers with a <Dial>', async () => {
    const call = await net.call({ baseUrl: srv.publicUrl, from: '+15550100205', to: RECEPTIONIST });
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    const speech = audio.speech('I want to talk to a real person', 0.3, 1.2, 8000);
    await call.play(mix(speech, whiteNoise(speech.length), LINE_FLOOR_RMS), 8000);
    const end = await call.ended;
    assert.equal(end.by, 'server-closed');
    assert.equal(end.closeCode, 1000);
    assert.equal(end.transferredTo, '+15550100999');
  });

  it('a line that goes quiet mid-call (no frames at all) still ends the turn: Parley fills the silence', async () => {
    const call = await net.call({ baseUrl: srv.publicUrl, from: '+15550100206', to: RECEPTIONIST });
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    const speech = audio.speech('When are you open', 0.3, 0, 8000);
    await call.play(mix(speech, whiteNoise(speech.length), LINE_FLOOR_RMS), 8000);
    // Right after the question the line sends nothing for 3 s: only Parley's stall fill can
    // show turn detection the caller stopped, so an answer within that time proves it.
    const gapFrom = call.clockMs();
    call.gap(3000);
    await call.waitUntilSilent({ afterAudio: true, quietMs: 800, timeoutMs: 20_000 });
    const pcm = ulawToPcm16(call.heard());
    let first = -1;
    for (let i = Math.floor(gapFrom * 8); i < pcm.length; i++) {
      if (Math.abs(pcm[i]!) > 1000) {
        first = i;
        break;
      }
    }
    assert.ok(first > 0, 'the agent answered');
    const answeredAfterMs = first / 8 - gapFrom;
    assert.ok(answeredAfterMs < 3000, `the answer began ${Math.round(answeredAfterMs)} ms into the 3 s without frames`);
    await call.hangUp();
  });
});
