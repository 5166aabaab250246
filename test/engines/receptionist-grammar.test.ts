import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { grammarsByVocabulary, receptionistGrammar, receptionistGrammars } from '../../src/engines/local/brain/grammar.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import type { Listening } from '../../src/engines/local/brain/receptionist.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import type { RecognitionOptions, SpeechRecognizer } from '../../src/engines/local/providers.js';
import { EnergyVad } from '../../src/engines/local/vad/index.js';
import { builtinToolDefinition, BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';
import { Driver } from '../helpers/engine-driver.js';

const OPENING: Listening = { awaiting: null, inTask: false, justBooked: false };
const rule = (jsgf: string, name: string): string => new RegExp(`<${name}> = ([^;]*);`).exec(jsgf)?.[1] ?? '';
const TOOLS = (Object.keys(BUILTIN_TOOLS) as BuiltinToolName[]).map(builtinToolDefinition);
const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 64 * 1024 * 1024, maxInputBufferBytes: 48 * 1024 * 1024, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };

describe('receptionist grammar for each moment of the call', () => {
  it('at the opening hears requests only: no bare digits, days, yes/no or corrections', () => {
    const top = rule(receptionistGrammar(DEMO_VOCABULARY, OPENING).jsgf, 'utterance').split(' | ');
    assert.deepEqual(top, ['<book>', '<check>', '<cancel>', '<reschedule>', '<order>', '<customer>', '<hours>', '<human>', '<bye>', '<greeting>']);
  });

  it('after a question, also the kind of answer it asks for', () => {
    const top = (l: Listening): string[] => rule(receptionistGrammar(DEMO_VOCABULARY, l).jsgf, 'utterance').split(' | ').slice(10);
    assert.deepEqual(top({ awaiting: 'phone', inTask: true, justBooked: false }), ['<digits>', 'no']);
    assert.deepEqual(top({ awaiting: 'order_id', inTask: true, justBooked: false }), ['<digits>', 'no']);
    assert.ok(top({ awaiting: 'time', inTask: true, justBooked: false }).includes('[at] <time> [<day>]'));
    assert.ok(!top({ awaiting: 'time', inTask: true, justBooked: false }).includes('<digits>'));
    assert.ok(top({ awaiting: 'service', inTask: true, justBooked: false }).includes('<service>'));
    // "No, Tuesday" right after a booking.
    assert.ok(top({ awaiting: null, inTask: false, justBooked: true }).includes('no <when>'));
    assert.ok(top({ awaiting: 'confirm', inTask: true, justBooked: false }).includes('<yes>'));
  });

  it('a.m. and p.m. hours are the appointment hours, one hour either side; bare hours are all twelve', () => {
    const jsgf = receptionistGrammar(DEMO_VOCABULARY).jsgf;
    assert.equal(rule(jsgf, 'am_hour'), 'seven | eight | nine | ten | eleven');
    assert.equal(rule(jsgf, 'pm_hour'), 'twelve | one | two | three | four | five | six');
    assert.equal(rule(jsgf, 'hour').split(' | ').length, 12);
    const late = receptionistGrammar({ ...DEMO_VOCABULARY, appointmentHours: { first: 12, last: 20 } }).jsgf;
    assert.equal(rule(late, 'am_hour'), 'eleven');
    assert.equal(rule(late, 'pm_hour'), 'twelve | one | two | three | four | five | six | seven | eight | nine');
  });

  it('builds each grammar once and names it for its moment', () => {
    const grammarFor = receptionistGrammars(DEMO_VOCABULARY);
    const a = grammarFor({ awaiting: 'date', inTask: true, justBooked: false });
    assert.equal(a.name, 'receptionist_date');
    assert.equal(grammarFor({ awaiting: 'date', inTask: true, justBooked: true }), a);
    assert.equal(grammarFor(OPENING).name, 'receptionist_opening');
    assert.equal(grammarFor({ awaiting: 'confirm', inTask: true, justBooked: false }).name, 'receptionist_follow_up');
  });
});

describe('the local engine listens with the grammar for where the dialogue is', () => {
  /** A recognizer that records which grammar each utterance was started with and hears `text`. */
  function recorder(text: string): { stt: SpeechRecognizer; grammars: string[] } {
    const grammars: string[] = [];
    const stt: SpeechRecognizer = {
      name: 'recorder',
      sampleRate: 16000,
      start: (opts: RecognitionOptions) => {
        grammars.push(opts.grammar?.name ?? '(none)');
        return { write: () => {}, end: () => Promise.resolve({ text }), cancel: () => {} };
      },
      close: () => Promise.resolve(),
    };
    return { stt, grammars };
  }

  it('opening grammar first; after "look me up" the phone-number grammar', async () => {
    const { stt, grammars } = recorder('six one seven five five five zero one nine nine');
    const d = new Driver(
      new LocalEngine(
        { session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }) },
        { createVad: (s) => new EnergyVad(16000, s), stt, tts: null, vocabulary: DEMO_VOCABULARY, grammarFor: grammarsByVocabulary() },
      ),
    );
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], tools: TOOLS, audio: { input: { turn_detection: null, transcription: { model: 'parley-local' } } } } });
    const pushToTalk = async (): Promise<void> => {
      const from = d.events.length;
      d.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(24_000 * 2 * 0.5).toString('base64') });
      d.send({ type: 'input_audio_buffer.commit' });
      await d.next('conversation.item.input_audio_transcription.completed', from);
    };
    await pushToTalk();
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look me up' }] } });
    const from = d.events.length;
    d.send({ type: 'response.create' });
    const done = await d.next('response.done', from);
    const said = done.response.output?.[0];
    assert.equal(said?.type === 'message' ? (said.content?.[0] as { text?: string } | undefined)?.text : undefined, "What's the phone number on your account?");
    await pushToTalk();
    assert.deepEqual(grammars, ['receptionist_opening', 'receptionist_phone']);
    d.engine.close();
  });

  it("an agent's own business: the brain and the grammar use its vocabulary, the idle re-prompt its words", async () => {
    const { stt } = recorder('book a massage');
    const jsgf: string[] = [];
    const grammarsFor = grammarsByVocabulary();
    const spa = { ...DEMO_VOCABULARY, business: 'Harbor Spa', services: ['massage', 'facial'], staff: ['Jo'] };
    const d = new Driver(
      new LocalEngine(
        { session: defaultSessionConfig('parley-local'), limits: LIMITS, logger: pino({ level: 'silent' }), agent: { vocabulary: spa, idlePrompt: 'Hello? Is anyone on the line?' } },
        {
          createVad: (s) => new EnergyVad(16000, s),
          stt,
          tts: null,
          vocabulary: DEMO_VOCABULARY,
          grammarFor: (listening, vocab) => {
            const g = grammarsFor(listening, vocab);
            jsgf.push(g.jsgf);
            return g;
          },
        },
      ),
    );
    d.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], tools: TOOLS, audio: { input: { turn_detection: null, transcription: { model: 'parley-local' } } } } });
    d.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(24_000).toString('base64') });
    d.send({ type: 'input_audio_buffer.commit' });
    await d.next('conversation.item.input_audio_transcription.completed');
    assert.match(jsgf[0] ?? '', /massage/);
    assert.doesNotMatch(jsgf[0] ?? '', /consultation/);
    const from = d.events.length;
    d.send({ type: 'response.create' });
    const done = await d.next('response.done', from);
    const text = (done.response.output?.[0] as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text ?? '';
    // The service was understood (with the demo clinic's words the brain would ask which service).
    assert.equal(text, 'What day works for you?');
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'tomorrow at 10 am' }] } });
    const fromCall = d.events.length;
    d.send({ type: 'response.create' });
    const call = (await d.next('response.done', fromCall)).response.output?.find((i) => i.type === 'function_call');
    assert.equal(call?.type === 'function_call' ? (JSON.parse(call.arguments) as { service?: string }).service : undefined, 'massage');
    // Idle: the agent's own re-prompt, not the engine's default.
    d.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 200 } } } } });
    d.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'thanks' }] } });
    const from2 = d.events.length;
    d.send({ type: 'response.create' });
    await d.next('response.done', from2);
    const from3 = d.events.length;
    await d.next('input_audio_buffer.timeout_triggered', from3);
    const reprompt = await d.next('response.done', from3);
    assert.equal((reprompt.response.output?.[0] as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text, 'Hello? Is anyone on the line?');
    d.engine.close();
  });
});
