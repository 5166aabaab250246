import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rmsDbfs } from '../../../src/audio/index.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { BUILTIN_TOOLS } from '../../../src/tools/builtin/schemas.js';
import { hearBookingConfirmation } from '../../helpers/agent-replies.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { AudioFactory, missingTools } from '../../helpers/speech-audio.js';
import { durationMs, WebRtcPeer, type ReceivedFrame } from '../../helpers/webrtc-peer.js';
import { spokenText, type Json } from '../../helpers/realtime-client.js';

const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9' -]/g, ' ').replace(/\s+/g, ' ').trim();

const spoken = (done: Json): string => spokenText(done.response);

/** Agent audio frames that arrived in (from, to]: one response's audio when nothing else played then. */
function framesBetween(peer: WebRtcPeer, from: number, to: number): ReceivedFrame[] {
  const frames = peer.received.filter((f) => f.at > from && f.at <= to);
  assert.ok(frames.length > 0, 'agent audio arrived on the media track');
  return frames;
}

const pcmOf = (frames: readonly ReceivedFrame[]): Int16Array => {
  const out = new Int16Array(frames.reduce((n, f) => n + f.pcm.length, 0));
  frames.reduce((at, f) => (out.set(f.pcm, at), at + f.pcm.length), 0);
  return out;
};

/** Share of 20 ms frames louder than −50 dBFS: speech has many, silence or noise none. */
const voiced = (frames: readonly ReceivedFrame[]): number => frames.filter((f) => rmsDbfs(f.pcm) > -50).length / frames.length;

describe('voice calls over WebRTC (/v1/realtime/calls) with the embedded engine and the demo receptionist', { skip: missingTools() ?? false }, () => {
  let srv: TestServer;
  let store: Store;
  const audio = new AudioFactory();
  /** The caller's speech: espeak-ng at 24 kHz with a little silence around it. */
  const speech = (text: string, leadS = 0.3): Int16Array => audio.speech(text, leadS, 1.0, 24000);

  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
  });

  it('books by voice: the transcript on the data channel, the booking in the store, real speech back on the media track', async (t) => {
    const peer = new WebRtcPeer();
    try {
      await peer.connect(srv.url, { query: 'caller_id=webrtc-booker' });
      const greeting = await peer.next('output_audio_buffer.started', undefined, 15_000);
      const greeted = await peer.next('output_audio_buffer.stopped', (e) => e.response_id === greeting.response_id, 15_000);

      await peer.say(speech("I'd like to book a consultation next Tuesday at ten a.m."));
      const user = await peer.next('conversation.item.input_audio_transcription.completed', undefined, 10_000);
      assert.equal(words(user.transcript), "i'd like to book a consultation next tuesday at ten a m");
      const call = await peer.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 15_000);
      const args = BUILTIN_TOOLS.book_appointment.args.parse(JSON.parse(call.arguments));
      assert.deepEqual([args.service, args.time], ['consultation', '10:00']);

      // The agent confirms (or asks first: then the caller says yes).
      let done = await peer.next('response.done', (e) => spoken(e) !== '', 20_000);
      for (let i = 0; i < 2 && !/all set/i.test(spoken(done)); i++) {
        await peer.say(speech('Yes please.'));
        done = await peer.next('response.done', (e) => spoken(e) !== '', 20_000);
      }
      assert.match(spoken(done), /^You're all set: a consultation .* at 10 a\.m\. Anything else\?$/);
      const responseId = done.response.id as string;
      const started = peer.events.find((e) => e.type === 'output_audio_buffer.started' && e.response_id === responseId);
      assert.ok(started, 'output_audio_buffer.started for the confirmation');
      const stopped = await peer.next('output_audio_buffer.stopped', (e) => e.response_id === responseId, 15_000);
      assert.ok(peer.events.indexOf(stopped) > peer.events.indexOf(done), 'stopped (drained) comes after response.done');

      // What the caller heard of it, decoded from Opus: nothing else played between the greeting and it.
      assert.ok(!peer.events.some((e) => e.type === 'output_audio_buffer.started' && e.response_id !== greeting.response_id && e.response_id !== responseId), 'no other audio in between');
      const frames = framesBetween(peer, peer.timeOf(greeted), peer.timeOf(stopped));
      const heardMs = durationMs(frames);
      const producedTokens = done.response.usage.output_token_details.audio_tokens as number;
      // The engine counts one audio token per 50 ms produced; the last 20 ms frame is padded.
      assert.ok(heardMs > (producedTokens - 1) * 50 && heardMs <= producedTokens * 50 + 20, `heard ${heardMs} ms; the session produced ${(producedTokens - 1) * 50}–${producedTokens * 50} ms`);
      const playedFor = peer.timeOf(stopped) - peer.timeOf(started);
      assert.ok(Math.abs(playedFor - heardMs) < 250, `paced at real time: started→stopped ${Math.round(playedFor)} ms for ${heardMs} ms of audio`);
      const pcm = pcmOf(frames);
      const level = rmsDbfs(pcm);
      assert.ok(level > -35, `speech level ${level.toFixed(1)} dBFS`);
      assert.ok(voiced(frames) > 0.5, `${Math.round(voiced(frames) * 100)}% of frames voiced`);
      t.diagnostic(`confirmation: ${heardMs} ms heard (${producedTokens} audio tokens), ${Math.round(playedFor)} ms started→stopped, ${level.toFixed(1)} dBFS, ${Math.round(voiced(frames) * 100)}% voiced`);

      // It is the sentence the transcript says: pocketsphinx re-transcribes the Opus-decoded audio.
      const heard = await hearBookingConfirmation(pcm);
      assert.match(heard, /^you're all set a consultation .* at ten a\.m\. anything else$/, `pocketsphinx heard: ${heard}`);

      assert.ok(!peer.events.some((e) => e.type === 'response.output_audio.delta'), 'no audio deltas on the data channel');
      const sessionId = peer.callId!;
      await peer.close();

      const booked = (await store.business.appointments({ date: args.date })).filter((a) => a.status === 'booked' && a.service === 'consultation' && a.time === '10:00');
      assert.equal(booked.length, 1, 'one appointment in the store');
      let detail = await store.records.session(sessionId);
      for (let i = 0; i < 50 && !detail?.endedAt; i++) {
        await new Promise((r) => setTimeout(r, 100));
        detail = await store.records.session(sessionId);
      }
      assert.equal(detail?.transport, 'webrtc');
      assert.match(detail?.endReason ?? '', /^client closed/);
      const tool = detail?.toolCalls.find((c) => c.name === 'book_appointment');
      assert.ok(tool && tool.error === null, 'the tool call is recorded, without error');
      assert.equal((tool.output as { appointment: { id: string } }).appointment.id, booked[0]!.id);
      assert.ok(detail?.transcript.some((r) => r.role === 'user' && /book a consultation/.test(r.text)));
    } finally {
      await peer.close();
    }
  });

  it('barge-in: the caller talks over the greeting; the server clears its playout and truncates the item to what was sent', async (t) => {
    const peer = new WebRtcPeer();
    try {
      await peer.connect(srv.url, { query: 'caller_id=webrtc-interrupter' });
      const started = await peer.next('output_audio_buffer.started', undefined, 15_000);
      const greetingId = started.response_id as string;
      const item = peer.events.find((e) => e.type === 'response.output_item.added' && e.response_id === greetingId)!.item.id as string;
      // About 1.5 s into a ~4.8 s greeting, the caller speaks.
      await new Promise((r) => setTimeout(r, 1500));
      void peer.say(speech('When are you open?', 0.05));
      await peer.next('input_audio_buffer.speech_started', undefined, 5000);
      const cleared = await peer.next('output_audio_buffer.cleared', undefined, 5000);
      assert.equal(cleared.response_id, greetingId);
      const truncated = await peer.next('conversation.item.truncated', undefined, 5000).catch((err: Error) => { throw new Error(`${err.message}; errors: ${JSON.stringify(peer.events.filter((e) => e.type === 'error'))}`); });
      assert.equal(truncated.item_id, item);
      // Let the packets already on the wire arrive. The greeting is the only audio until the answer starts.
      await new Promise((r) => setTimeout(r, 300));
      const next = peer.events.find((e) => e.type === 'output_audio_buffer.started' && e.response_id !== greetingId);
      const heardMs = durationMs(framesBetween(peer, 0, next ? peer.timeOf(next) - 200 : Infinity));
      const endMs = truncated.audio_end_ms as number;
      t.diagnostic(`truncated at ${endMs} ms; the caller received ${heardMs} ms of the greeting`);
      assert.ok(Number.isInteger(endMs) && endMs > 1000 && endMs < 4000, `audio_end_ms ${endMs}`);
      assert.ok(Math.abs(endMs - heardMs) <= 20, `audio_end_ms ${endMs} is within one 20 ms frame of the ${heardMs} ms received`);
      assert.ok(!peer.events.some((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === greetingId), 'a cleared response is not stopped');

      // The question is answered, and its audio plays in full.
      const answer = await peer.next('response.done', (e) => /Monday to Friday/.test(spoken(e)), 20_000);
      await peer.next('output_audio_buffer.stopped', (e) => e.response_id === answer.response.id, 20_000);
      const sessionId = peer.callId!;
      await peer.close();
      // The record keeps the greeting as heard: cut short.
      let detail = await store.records.session(sessionId);
      for (let i = 0; i < 50 && !detail?.transcript.some((r) => r.itemId === item && r.truncated); i++) {
        await new Promise((r) => setTimeout(r, 100));
        detail = await store.records.session(sessionId);
      }
      const greeting = detail?.transcript.find((r) => r.itemId === item);
      assert.equal(greeting?.truncated, true, 'the greeting is recorded as cut short');
      assert.ok((greeting?.text.length ?? 99) < 'Hi, thanks for calling Maple Street Clinic. How can I help you today?'.length, `recorded as heard: "${greeting?.text}"`);
    } finally {
      await peer.close();
    }
  });
});
