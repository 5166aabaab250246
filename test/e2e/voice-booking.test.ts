import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';
import { hearBookingConfirmation } from '../helpers/agent-replies.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { itemAudio, openVoiceSession, streamRealtime } from '../helpers/voice-session.js';

interface Case {
  say: string;
  voice: string;
  wpm: number;
  /** The tool the agent must call, with the arguments it must carry (dates checked for shape). */
  call?: { name: BuiltinToolName; args: Record<string, unknown> };
  /** Otherwise, what the agent must answer. */
  reply?: RegExp;
}

const CASES: readonly Case[] = [
  { say: "I'd like to book a consultation next Tuesday at ten a.m.", voice: 'en-us', wpm: 160, call: { name: 'book_appointment', args: { service: 'consultation', time: '10:00' } } },
  { say: 'Can I book a cleaning tomorrow at two thirty p.m.', voice: 'en-gb', wpm: 150, call: { name: 'book_appointment', args: { service: 'cleaning', time: '14:30' } } },
  { say: 'I need a check-up on Friday at nine a.m.', voice: 'en-us+m3', wpm: 175, call: { name: 'book_appointment', args: { service: 'check-up', time: '09:00' } } },
  { say: 'Schedule a vaccination on Monday at three p.m.', voice: 'en-us+f2', wpm: 140, call: { name: 'book_appointment', args: { service: 'vaccination', time: '15:00' } } },
  { say: 'Is there anything available on Wednesday for a consultation', voice: 'en-us', wpm: 170, call: { name: 'check_availability', args: { service: 'consultation' } } },
  { say: 'Please cancel my appointment', voice: 'en-gb', wpm: 160, call: { name: 'cancel_appointment', args: {} } },
  { say: 'Where is my order number one two three four', voice: 'en-us+m3', wpm: 160, call: { name: 'lookup_order', args: { order_id: '1234' } } },
  { say: "I'd like to reschedule my appointment to Thursday at eleven a.m.", voice: 'en-us', wpm: 150, call: { name: 'reschedule_appointment', args: { new_time: '11:00' } } },
  { say: 'My phone number is five five five one two three four', voice: 'en-us+f2', wpm: 160, call: { name: 'lookup_customer', args: { phone: '5551234' } } },
  { say: 'I want to talk to a real person', voice: 'en-gb', wpm: 170, call: { name: 'transfer_to_human', args: { reason: 'caller asked for a person' } } },
  { say: 'When are you open', voice: 'en-us+m3', wpm: 180, reply: /^We're open Monday to Friday/ },
  { say: 'Goodbye', voice: 'en-us', wpm: 160, call: { name: 'end_call', args: { reason: 'caller said goodbye' } } },
  { say: 'Hello', voice: 'en-us+f2', wpm: 150, reply: /^Hello! How can I help you today\?$/ },
];

/** A microphone's noise floor (−60 dBFS): real input is never digital silence. */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const caller = (audio: AudioFactory, text: string, voice = 'en-us', wpm = 160): Int16Array => {
  const speech = audio.speech(text, 0.5, 1.0, 24000, voice, wpm);
  return mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS);
};

const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9' -]/g, ' ').replace(/\s+/g, ' ').trim();

const skip = missingTools() ?? false;

describe('voice conversations through /v1/realtime with the embedded engine', { skip }, () => {
  let srv: TestServer;
  const audio = new AudioFactory();
  before(async () => {
    srv = await startTestServer({ engine: { default: 'local' } });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
  });

  it(`understands ${CASES.length} spoken requests (several voices and speeds) and acts on them`, async (t) => {
    // Sessions run side by side, each at real-time pace, as separate callers would.
    const results = await Promise.all(
      CASES.map(async (c) => {
        const ws = await openVoiceSession(srv.wsUrl);
        await streamRealtime(ws, caller(audio, c.say, c.voice, c.wpm));
        const transcript = (await ws.next('conversation.item.input_audio_transcription.completed', undefined, 10_000)).transcript as string;
        const done = await ws.next('response.done', undefined, 15_000);
        await ws.close();
        return { c, transcript, output: done.response.output as { type: string; name?: string; arguments?: string; content?: { transcript: string }[] }[] };
      }),
    );
    const misheard = results.filter((r) => words(r.transcript) !== words(r.c.say)).map((r) => `"${r.c.say}" → "${r.transcript}"`);
    t.diagnostic(`exact transcripts: ${results.length - misheard.length}/${results.length}${misheard.length ? `; misheard: ${misheard.join('; ')}` : ''}`);
    // Recognition of synthetic speech by a grammar-constrained pocketsphinx is good, not
    // perfect: the floor here is 10 of 13 exact (the benchmark measures the rate on 50+).
    assert.ok(misheard.length <= 3, `too many misheard: ${misheard.join('; ')}`);
    // Whatever was heard right must be acted on exactly right.
    for (const { c, transcript, output } of results.filter((r) => words(r.transcript) === words(r.c.say))) {
      assert.equal(words(transcript), words(c.say));
      if (c.call) {
        const fc = output.find((o) => o.type === 'function_call');
        assert.ok(fc, `"${c.say}" must call ${c.call.name}; got ${JSON.stringify(output)}`);
        assert.equal(fc.name, c.call.name);
        const args = BUILTIN_TOOLS[c.call.name].args.parse(JSON.parse(fc.arguments ?? '{}')) as Record<string, unknown>;
        for (const [k, v] of Object.entries(c.call.args)) assert.equal(args[k], v, `${c.call.name}.${k} for "${c.say}"`);
      } else {
        const spoken = output.find((o) => o.type === 'message')?.content?.[0]?.transcript ?? '';
        assert.match(spoken, c.reply as RegExp);
      }
    }
  });

  it('books by voice, speaks the confirmation, and that speech says what the transcript says', async () => {
    const ws = await openVoiceSession(srv.wsUrl);
    await streamRealtime(ws, caller(audio, "I'd like to book a consultation next Tuesday at ten a.m."));
    const user = await ws.next('conversation.item.input_audio_transcription.completed', undefined, 10_000);
    assert.equal(words(user.transcript), "i'd like to book a consultation next tuesday at ten a m");
    const call = await ws.next('response.function_call_arguments.done', undefined, 10_000);
    assert.equal(call.name, 'book_appointment');
    const args = BUILTIN_TOOLS.book_appointment.args.parse(JSON.parse(call.arguments));
    await ws.next('response.done');
    ws.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ appointment: { id: 'appt_e2e', ...args } }) } });
    ws.send({ type: 'response.create' });
    const done = await ws.next('response.done', undefined, 20_000);
    const item = done.response.output[0];
    const said = item.content[0].transcript as string;
    assert.match(said, /^You're all set: a consultation (tomorrow|[A-Z][a-z]+day, [A-Z][a-z]+ \d+) at 10 a\.m\. Anything else\?$/);

    // Re-transcribe the agent's own audio and check it says the same thing.
    const pcm24 = itemAudio(ws.events, item.id);
    assert.ok(pcm24.length / 24000 > 2, 'the agent spoke');
    const heard = await hearBookingConfirmation(pcm24);
    assert.match(heard, /^you're all set a consultation .* at ten a\.m\. anything else$/, `pocketsphinx heard: ${heard}`);
    const spokenDay = /consultation (.*) at/.exec(words(said))?.[1] ?? '';
    assert.equal(/consultation (.*) at/.exec(heard)?.[1]?.split(' ')[0], spokenDay.split(' ')[0], 'the same day was spoken');
    await ws.close();
  });

  it('push-to-talk: no VAD events; commit, transcript, then the response the client asks for', async () => {
    const ws = await openVoiceSession(srv.wsUrl, { audio: { input: { turn_detection: null, transcription: { model: 'parley-local' } } } });
    const speech = audio.speech('Where is my order number one two three four', 0.2, 0.2, 24000);
    ws.send({ type: 'input_audio_buffer.clear' });
    await ws.next('input_audio_buffer.cleared');
    // Held button: audio arrives as fast as the client sends it.
    for (let i = 0; i < speech.length; i += 4800) {
      const chunk = speech.subarray(i, i + 4800);
      ws.send({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') });
    }
    ws.send({ type: 'input_audio_buffer.commit' });
    const committed = await ws.next('input_audio_buffer.committed');
    const t = await ws.next('conversation.item.input_audio_transcription.completed', undefined, 10_000);
    assert.equal(t.item_id, committed.item_id);
    assert.equal(words(t.transcript), 'where is my order number one two three four');
    assert.equal(ws.events.some((e) => e.type === 'response.created'), false, 'no response until the client asks');
    ws.send({ type: 'response.create' });
    const call = await ws.next('response.function_call_arguments.done', undefined, 10_000);
    assert.deepEqual(JSON.parse(call.arguments), { order_id: '1234' });
    assert.deepEqual(ws.types().filter((x) => x.startsWith('input_audio_buffer.speech_')), []);
    await ws.close();
  });
});
