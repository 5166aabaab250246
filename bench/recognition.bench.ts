/**
 * Recognition: does the embedded engine understand what a caller says, and act on it right?
 *
 * 78 utterances from templates covering every receptionist intent (booking with service, day
 * and time; availability; cancel; reschedule; order and customer lookups with spoken digits;
 * hours; a person; goodbye; greetings; answers to the agent's questions, yes/no and
 * corrections like "no, Thursday"), spoken by five espeak-ng voices at 140–185 wpm, each heard
 * clean (plus a −60 dBFS microphone noise floor: real input is never digital silence) and with
 * white noise at 20 dB SNR relative to the speech's active level (ITU-T P.56), with three
 * different noise signals per condition: 78 × 2 × 3 = 468 runs.
 *
 * Pipeline per run: the audio goes through a real Parley server (local engine) over
 * /v1/realtime, exactly as a caller's would — appended in 20 ms frames (as fast as the
 * server takes them, not paced), turned into a turn by the engine's EnergyVad and transcribed
 * by its pocketsphinx recognizer with the receptionist grammar for that moment of the call (the
 * template's set-up turns are first played as text in the same session, so the engine's own
 * brain is where the template says, e.g. waiting for a phone number). `create_response` is off; the
 * transcript then goes to a fresh ReceptionistBrain with a fixed clock (Monday 23 November
 * 2026, 10:00 in New York), after the template's set-up turns (as text) if it has any. Its
 * tool call (name and every argument) or spoken reply is compared with the expected one
 * written in the template — never derived from what was recognized.
 *
 * Run: node --import tsx bench/recognition.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { resample } from '../src/audio/index.js';
import { DEMO_VOCABULARY } from '../src/engines/local/brain/nlu/vocabulary.js';
import { ReceptionistBrain, type BrainReply } from '../src/engines/local/brain/receptionist.js';
import { BUILTIN_TOOLS } from '../src/tools/builtin/schemas.js';
import { activeSpeechLevelDbfs, addNoise, concat, missingAudioTools, rmsOfDbfs, silence, SpeechSynth, WhiteNoise, words } from './lib/voice-audio.js';
import { ALL_TOOLS, openSession, type Json, type VoiceClient } from './lib/voice-client.js';
import { startLocalServer } from './lib/local-server.js';
import { environment, writeResult } from './lib/report.js';

// ---------------------------------------------------------------- the utterances

/** Monday 23 November 2026, 10:00 in New York (the demo business's time zone). */
const NOW = new Date('2026-11-23T15:00:00Z');

/** Day phrases and the dates they mean on Monday 2026-11-23, written out by hand. */
const DAY = {
  tomorrow: '2026-11-24',
  'the day after tomorrow': '2026-11-25',
  'next tuesday': '2026-11-24',
  'next thursday': '2026-11-26',
  'next friday': '2026-11-27',
  thursday: '2026-11-26',
  friday: '2026-11-27',
  'on monday': '2026-11-30', // said on a Monday: next week's
  'on wednesday': '2026-11-25',
  'on thursday': '2026-11-26',
  'on friday': '2026-11-27',
  'this saturday': '2026-11-28',
  'next week friday': '2026-12-04',
  'december third': '2026-12-03',
  'the twenty eighth': '2026-11-28',
  'the fifth of january': '2027-01-05',
} as const;
type Day = keyof typeof DAY;

/** Time phrases and the 24-hour times they mean (no a.m./p.m.: the clinic's hours decide). */
const TIME = {
  'ten a.m.': '10:00',
  'nine a.m.': '09:00',
  'eleven a.m.': '11:00',
  'three p.m.': '15:00',
  'two thirty p.m.': '14:30',
  'eleven fifteen a.m.': '11:15',
  'half past four p.m.': '16:30',
  'quarter to three': '14:45',
  noon: '12:00',
  "four o'clock": '16:00',
  'eight in the morning': '08:00',
  'ten oh five a.m.': '10:05',
  'one forty five p.m.': '13:45',
} as const;
type Time = keyof typeof TIME;

type Setup = { user: string } | { toolResult: unknown };
type Expect = { call: { name: keyof typeof BUILTIN_TOOLS; args: Record<string, unknown> } } | { reply: RegExp };

interface Utterance {
  /** Template id, e.g. "book/i'd like to book". */
  template: string;
  /** Intent group, for the per-intent table. */
  group: string;
  /** Turns before the spoken one, as text (and tool results for the calls they make). */
  setup?: Setup[];
  say: string;
  expect: Expect;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const call = (name: keyof typeof BUILTIN_TOOLS, args: Record<string, unknown>): Expect => ({ call: { name, args } });
const reply = (re: RegExp): Expect => ({ reply: re });
const HOURS = new RegExp(`^${DEMO_VOCABULARY.hours.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const HELLO = /^Hello! How can I help you today\?$/;
const ASK_SERVICE = /^Which service would you like/;
const ASK_DAY = /^What day works for you\?$/;
const ASK_ORDER = /^What's your order number\?$/;
const ASK_PHONE = /^What's the phone number on your account\?$/;
const TRANSFER = call('transfer_to_human', { reason: 'caller asked for a person' });
const BYE = call('end_call', { reason: 'caller said goodbye' });

function utterances(): Utterance[] {
  const u: Utterance[] = [];
  const add = (group: string, template: string, say: string, expect: Expect, setup?: Setup[]): void => {
    u.push({ group, template: `${group}/${template}`, say, expect, ...(setup ? { setup } : {}) });
  };
  const book = (service: string, day: Day, time: Time, staff?: string): Expect =>
    call('book_appointment', { service, date: DAY[day], time: TIME[time], ...(staff ? { staff } : {}) });

  // Booking with service, day and time in one sentence.
  for (const [s, d, t] of [['consultation', 'next tuesday', 'ten a.m.'], ['cleaning', 'on friday', 'two thirty p.m.'], ['vaccination', 'december third', 'nine a.m.']] as const)
    add('book', "i'd like to book", `I'd like to book a ${s} ${d} at ${t}`, book(s, d, t));
  for (const [s, d, t] of [['check-up', 'tomorrow', 'eleven fifteen a.m.'], ['follow-up', 'on thursday', 'three p.m.']] as const)
    add('book', 'can i book', `Can I book a ${s} ${d} at ${t}`, book(s, d, t));
  for (const [s, d, t] of [['cleaning', 'the day after tomorrow', "four o'clock"], ['check-up', 'on monday', 'eight in the morning']] as const)
    add('book', 'i need a', `I need a ${s} ${d} at ${t}`, book(s, d, t));
  for (const [s, d, t] of [['vaccination', 'next week friday', 'half past four p.m.'], ['consultation', 'the twenty eighth', 'noon']] as const)
    add('book', 'schedule', `Schedule a ${s} ${d} at ${t}`, book(s, d, t));
  for (const [s, d, t] of [['follow-up', 'the fifth of january', 'ten oh five a.m.'], ['cleaning', 'this saturday', 'eleven a.m.']] as const)
    add('book', 'make an appointment for', `I want to make an appointment for a ${s} ${d} at ${t}`, book(s, d, t));
  for (const [s, staff, d, t] of [['consultation', 'Doctor Patel', 'on wednesday', 'one forty five p.m.'], ['check-up', 'Nurse Garcia', 'tomorrow', 'quarter to three']] as const)
    add('book', 'with staff', `I would like to book a ${s} with ${staff} ${d} at ${t}`, book(s, d, t, staff));
  add('book', 'please book', 'Please book a follow-up next thursday at two thirty p.m.', book('follow-up', 'next thursday', 'two thirty p.m.'));

  // Availability.
  for (const [d, s] of [['on wednesday', 'consultation'], ['tomorrow', 'cleaning']] as const)
    add('check', 'is there anything', `Is there anything available ${d} for a ${s}`, call('check_availability', { service: s, date: DAY[d] }));
  add('check', 'any openings at', 'Do you have any openings available on friday at ten a.m. for a check-up', call('check_availability', { service: 'check-up', date: DAY['on friday'], time: '10:00' }));
  add('check', 'a slot free', 'Do you have a slot free next tuesday for a vaccination', call('check_availability', { service: 'vaccination', date: DAY['next tuesday'] }));
  add('check', 'anything free at', 'Is there anything free the day after tomorrow at nine a.m. for a follow-up', call('check_availability', { service: 'follow-up', date: DAY['the day after tomorrow'], time: '09:00' }));
  add('check', 'what times (asks service)', 'What times are available on thursday', reply(ASK_SERVICE));
  add('check', 'are you free (asks service)', 'Are you free tomorrow', reply(ASK_SERVICE));

  // Cancel.
  add('cancel', 'please cancel', 'Please cancel my appointment', call('cancel_appointment', {}));
  add('cancel', "i'd like to cancel", "I'd like to cancel my appointment", call('cancel_appointment', {}));
  add('cancel', 'with day', 'I need to cancel my appointment on friday', call('cancel_appointment', { date: DAY['on friday'] }));
  add('cancel', 'with day and time', 'Cancel my appointment tomorrow at ten a.m.', call('cancel_appointment', { date: DAY.tomorrow, time: '10:00' }));
  add('cancel', 'can i cancel', 'Can I cancel my appointment next tuesday', call('cancel_appointment', { date: DAY['next tuesday'] }));

  // Reschedule.
  for (const [d, t] of [['thursday', 'eleven a.m.'], ['next week friday', 'nine a.m.']] as const)
    add('reschedule', 'reschedule to', `I'd like to reschedule my appointment to ${d} at ${t}`, call('reschedule_appointment', { new_date: DAY[d], new_time: TIME[t] }));
  for (const [d, t] of [['tomorrow', 'three p.m.'], ['december third', 'two thirty p.m.']] as const)
    add('reschedule', 'move to', `Move my appointment to ${d} at ${t}`, call('reschedule_appointment', { new_date: DAY[d], new_time: TIME[t] }));
  add('reschedule', 'no day (asks day)', 'Can I reschedule my appointment', reply(ASK_DAY));

  // Orders, by spoken digits.
  add('order', 'where is', 'Where is my order number one two three four', call('lookup_order', { order_id: '1234' }));
  add('order', 'my order number is', 'My order number is four oh seven two', call('lookup_order', { order_id: '4072' }));
  add('order', 'my order number is', 'My order number is nine zero two six one three', call('lookup_order', { order_id: '902613' }));
  add('order', 'can you check', 'Can you check my order number five five eight one nine', call('lookup_order', { order_id: '55819' }));
  add('order', 'order number', 'Order number eight one six five', call('lookup_order', { order_id: '8165' }));
  add('order', 'status (asks number)', "What's the status of my order", reply(ASK_ORDER));

  // Customer lookup by phone.
  add('customer', 'my phone number is', 'My phone number is five five five one two three four', call('lookup_customer', { phone: '5551234' }));
  add('customer', 'my phone number is', 'My phone number is six one seven five five five zero one nine nine', call('lookup_customer', { phone: '6175550199' }));
  add('customer', 'look me up (asks phone)', 'Look me up', reply(ASK_PHONE));
  add('customer', 'find my account (asks phone)', 'Can you find my account', reply(ASK_PHONE));

  // Hours, a person, goodbye, greetings.
  for (const s of ['When are you open', 'What are your opening hours', 'Are you open on saturday', 'Are you open tomorrow']) add('hours', 'hours', s, reply(HOURS));
  for (const s of ['I want to talk to a real person', 'Can I speak to someone', "I'd like to speak to the receptionist", 'Talk to a human']) add('human', 'human', s, TRANSFER);
  for (const s of ['Goodbye', "That's all thank you", 'No thanks', 'Thank you bye']) add('goodbye', 'goodbye', s, BYE);
  for (const s of ['Hello', 'Hi', 'Good morning', 'Good afternoon']) add('greeting', 'greeting', s, reply(HELLO));

  // Answers to the agent's questions (the question was asked after the set-up turns).
  for (const [d, t, s, bare] of [['tomorrow', 'ten a.m.', 'cleaning', false], ['on friday', 'two thirty p.m.', 'vaccination', false], ['next tuesday', 'nine a.m.', 'consultation', true]] as const)
    add('answer', 'service', bare ? cap(s) : `A ${s}`, book(s, d, t), [{ user: `I'd like to book an appointment ${d} at ${t}` }]);
  for (const [s, t, d] of [['check-up', 'ten a.m.', 'next friday'], ['cleaning', 'three p.m.', 'tomorrow'], ['follow-up', 'eleven a.m.', 'december third']] as const)
    add('answer', 'day', cap(d), book(s, d, t), [{ user: `I'd like to book a ${s} at ${t}` }]);
  for (const [s, d, t, spoken] of [['consultation', 'tomorrow', 'two thirty p.m.', 'At two thirty p.m.'], ['cleaning', 'on thursday', 'ten a.m.', 'Ten a.m.'], ['vaccination', 'next tuesday', 'half past four p.m.', 'Half past four p.m.']] as const)
    add('answer', 'time', spoken, book(s, d, t), [{ user: `I'd like to book a ${s} ${d}` }]);
  for (const [spoken, id] of [['Four five six seven', '4567'], ['Three three seven', '337']] as const)
    add('answer', 'order number', spoken, call('lookup_order', { order_id: id }), [{ user: "What's the status of my order" }]);
  add('answer', 'phone number', 'Eight six seven five three oh nine', call('lookup_customer', { phone: '8675309' }), [{ user: 'Look me up' }]);

  // "Shall I book it?" after a free slot was found: yes, a correction, or no.
  const offer = (s: string, d: Day, t: Time): Setup[] => [{ user: `Is there anything available ${d} at ${t} for a ${s}` }, { toolResult: { available: true, available_times: [TIME[t]] } }];
  for (const [spoken, s, d, t] of [['Yes please', 'cleaning', 'on wednesday', 'ten a.m.'], ['Sure', 'consultation', 'tomorrow', 'three p.m.'], ['Sounds good', 'check-up', 'on friday', 'nine a.m.']] as const)
    add('confirm', 'yes', spoken, book(s, d, t), offer(s, d, t));
  add('confirm', 'no, <day>', 'No, thursday', book('follow-up', 'thursday', 'eleven a.m.'), offer('follow-up', 'on wednesday', 'eleven a.m.'));
  add('confirm', 'no, at <time>', 'No, at three p.m.', call('book_appointment', { service: 'cleaning', date: DAY.tomorrow, time: '15:00' }), offer('cleaning', 'tomorrow', 'ten a.m.'));
  add('confirm', 'no, <day> at <time>', 'No, tomorrow at nine a.m.', book('vaccination', 'tomorrow', 'nine a.m.'), offer('vaccination', 'on friday', 'two thirty p.m.'));
  add('confirm', 'no', 'No', reply(/^No problem\. What would you like instead\?$/), offer('consultation', 'on thursday', 'ten a.m.'));

  // "No, Friday" right after a booking was made: move it.
  for (const [spoken, newDay, s, d, t] of [['No, friday', 'friday', 'cleaning', 'on wednesday', 'ten a.m.'], ['No, next tuesday', 'next tuesday', 'check-up', 'on thursday', 'three p.m.']] as const)
    add('correction', 'after booking', spoken, call('reschedule_appointment', { appointment_id: 'appt_1', new_date: DAY[newDay], new_time: TIME[t] }), [
      { user: `I'd like to book a ${s} ${d} at ${t}` },
      { toolResult: { appointment: { id: 'appt_1', service: s, date: DAY[d], time: TIME[t] } } },
    ]);
  return u;
}

const VOICES = ['en-us', 'en-gb', 'en-us+m3', 'en-us+f2', 'en-us+m1'] as const;
const SPEEDS = [140, 150, 160, 170, 185] as const;
const SNR_DB = 20;
const CONDITIONS = ['clean', 'noisy'] as const;
/**
 * Each utterance is heard with this many different noise signals per condition. The
 * recognizer's answer for one utterance can flip with the noise realisation alone (even at
 * −60 dBFS), so one draw per utterance would make the figures depend on the seed.
 */
const DRAWS = 3;
const MIC_FLOOR_DBFS = -60;
const LEAD_MS = 500;
const TAIL_MS = 1000;

// ---------------------------------------------------------------- the brain

const TOOL_NAMES: ReadonlySet<string> = new Set(Object.keys(BUILTIN_TOOLS));

/** A fresh brain with the fixed clock, taken through the set-up turns; returns its reply to `text`. */
function brainReply(setup: readonly Setup[], text: string): BrainReply {
  const brain = new ReceptionistBrain(DEMO_VOCABULARY, () => NOW);
  let last: BrainReply = { calls: [] };
  for (const step of setup) {
    if ('user' in step) last = brain.respond({ kind: 'user', text: step.user }, TOOL_NAMES);
    else {
      const c = last.calls[0];
      if (!c) throw new Error(`set-up tool result without a call before it (${JSON.stringify(last)})`);
      last = brain.respond({ kind: 'tool_result', name: c.name, args: c.args, output: JSON.stringify(step.toolResult) }, TOOL_NAMES);
    }
  }
  return brain.respond({ kind: 'user', text }, TOOL_NAMES);
}

interface Verdict {
  /** Same tool (or, for spoken answers, the expected answer and no call). */
  action: boolean;
  /** Same tool and every argument equal — the headline figure. */
  correct: boolean;
  got: string;
}

function judge(expect: Expect, r: BrainReply): Verdict {
  const got = r.calls.length > 0 ? r.calls.map((c) => `${c.name}(${JSON.stringify(c.args)})`).join(', ') : `say: ${r.say ?? ''}`;
  if ('reply' in expect) {
    const ok = r.calls.length === 0 && expect.reply.test(r.say ?? '');
    return { action: ok, correct: ok, got };
  }
  const c = r.calls[0];
  const action = r.calls.length === 1 && c?.name === expect.call.name;
  return { action, correct: action && isDeepStrictEqual(c?.args, expect.call.args), got };
}

const describeExpect = (e: Expect): string => ('call' in e ? `${e.call.name}(${JSON.stringify(e.call.args)})` : `say: ${e.reply.source}`);

// ---------------------------------------------------------------- running

interface Run {
  index: number;
  template: string;
  group: string;
  condition: 'clean' | 'noisy';
  /** Which noise draw (a different noise signal, same speech). */
  draw: number;
  voice: string;
  wpm: number;
  say: string;
  speechMs: number;
  activeLevelDbfs: number;
  noiseDbfs: number;
  /** Turns the engine's VAD made of it (1 expected). */
  turns: number;
  transcript: string;
  exactTranscript: boolean;
  expected: string;
  got: string;
  action: boolean;
  correct: boolean;
  elapsedMs: number;
}

/**
 * Takes the session's own brain through the set-up turns, as text, so the engine listens the
 * way it would at that point of a call (its grammar follows the dialogue).
 */
async function playSetup(client: VoiceClient, setup: readonly Setup[]): Promise<void> {
  let lastCall: Json | undefined;
  for (const step of setup) {
    if ('user' in step) {
      client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: step.user }] } });
    } else {
      if (!lastCall) throw new Error(`set-up tool result without a call before it (${JSON.stringify(step)})`);
      client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: lastCall.call_id, output: JSON.stringify(step.toolResult) } });
    }
    client.send({ type: 'response.create' });
    const done = await client.next('response.done');
    lastCall = (done.event.response.output as Json[]).find((item) => item.type === 'function_call');
  }
}

/** Sends `pcm24` as 20 ms appends without pacing, then waits for every turn's transcript. */
async function recognize(client: VoiceClient, pcm24: Int16Array): Promise<{ turns: number; transcript: string }> {
  for (let i = 0; i < pcm24.length; i += 480) client.append(pcm24.subarray(i, i + 480));
  // Events are handled in order: once this answers, every append has been through the VAD.
  client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'sync' } });
  await client.next('session.updated');
  const stopped = client.all('input_audio_buffer.speech_stopped').map((e) => e.item_id as string);
  const texts: string[] = [];
  for (const itemId of stopped) {
    const done = await client.next(['conversation.item.input_audio_transcription.completed', 'conversation.item.input_audio_transcription.failed'], (e) => e.item_id === itemId, 20_000);
    if (done.event.type.endsWith('.completed')) texts.push(done.event.transcript as string);
  }
  return { turns: stopped.length, transcript: texts.join(' ') };
}

async function main(): Promise<void> {
  const missing = missingAudioTools();
  if (missing) throw new Error(missing);
  const list = utterances();

  // The templates themselves must be right: their exact words, as text, must give the expected result.
  const oracle = list.map((u) => ({ u, v: judge(u.expect, brainReply(u.setup ?? [], u.say)) }));
  const oracleFailures = oracle.filter((o) => !o.v.correct).map((o) => ({ say: o.u.say, expected: describeExpect(o.u.expect), got: o.v.got }));
  for (const f of oracleFailures) console.log(`TEXT ORACLE MISMATCH: "${f.say}": expected ${f.expected}, got ${f.got}`);

  const server = await startLocalServer();
  const url = server.url;
  const session = {
    output_modalities: ['text'],
    tools: ALL_TOOLS,
    audio: { input: { transcription: { model: 'parley-local' }, turn_detection: { type: 'server_vad', create_response: false } } },
  };

  const synth = new SpeechSynth();
  const runs: Run[] = [];
  const started = performance.now();
  try {
    for (const [index, u] of list.entries()) {
      const voice = VOICES[index % VOICES.length]!;
      const wpm = SPEEDS[(index + Math.floor(index / VOICES.length)) % SPEEDS.length]!;
      const speech = synth.speak(u.say, voice, wpm, 16000);
      const level = activeSpeechLevelDbfs(speech, 16000);
      if (level === null) throw new Error(`no active speech in "${u.say}"`);
      const padded = concat(silence(LEAD_MS), speech, silence(TAIL_MS));
      for (const [draw, condition] of CONDITIONS.flatMap((c) => Array.from({ length: DRAWS }, (_, d) => [d, c] as const))) {
        // Noise over the whole clip, from a seed per utterance, condition and draw.
        const noiseDbfs = condition === 'clean' ? MIC_FLOOR_DBFS : level - SNR_DB;
        const seed = 0x9e3779b1 ^ ((index * CONDITIONS.length + CONDITIONS.indexOf(condition)) * DRAWS + draw + 1);
        const noisy16 = addNoise(padded, new WhiteNoise(seed).next(padded.length), rmsOfDbfs(noiseDbfs));
        const pcm24 = resample(noisy16, 16000, 24000);
        const t0 = performance.now();
        const client = await openSession(url, session);
        let heard: { turns: number; transcript: string };
        try {
          await playSetup(client, u.setup ?? []);
          heard = await recognize(client, pcm24);
        } finally {
          await client.close();
        }
        const v = judge(u.expect, brainReply(u.setup ?? [], heard.transcript));
        const run: Run = {
          index,
          template: u.template,
          group: u.group,
          condition,
          draw,
          voice,
          wpm,
          say: u.say,
          speechMs: Math.round((speech.length * 1000) / 16000),
          activeLevelDbfs: round1(level),
          noiseDbfs: round1(noiseDbfs),
          turns: heard.turns,
          transcript: heard.transcript,
          exactTranscript: words(heard.transcript) === words(u.say),
          expected: describeExpect(u.expect),
          got: v.got,
          action: v.action,
          correct: v.correct,
          elapsedMs: Math.round(performance.now() - t0),
        };
        runs.push(run);
        if (!run.correct || !run.exactTranscript) console.log(`${run.correct ? 'ok  ' : 'FAIL'} [${condition}#${draw} ${voice} ${wpm}] "${u.say}" → "${heard.transcript}"${run.turns !== 1 ? ` (${run.turns} turns)` : ''}${run.correct ? '' : ` ⇒ ${run.got}`}`);
      }
    }
  } finally {
    synth.dispose();
    await server.shutdown();
  }
  const wallS = (performance.now() - started) / 1000;
  report(list.length, runs, oracleFailures, wallS);
}

// ---------------------------------------------------------------- reporting

const round1 = (x: number): number => Math.round(x * 10) / 10;
const pct = (n: number, d: number): number => (d === 0 ? 0 : round1((100 * n) / d));

interface Summary {
  runs: number;
  correctPct: number;
  actionPct: number;
  exactTranscriptPct: number;
  wordErrorRatePct: number;
  /** Runs the VAD did not make exactly one turn of. */
  notOneTurn: number;
}

/** Word-level alignment (Levenshtein): substitutions, deletions and insertions. */
function align(ref: string[], hyp: string[]): { errors: number; pairs: string[] } {
  const d = Array.from({ length: ref.length + 1 }, (_, i) => Array.from({ length: hyp.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= ref.length; i++)
    for (let j = 1; j <= hyp.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  const pairs: string[] = [];
  let i = ref.length;
  let j = hyp.length;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i]![j] === d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1)) {
      if (ref[i - 1] !== hyp[j - 1]) pairs.push(`${ref[i - 1]} → ${hyp[j - 1]}`);
      i--;
      j--;
    } else if (i > 0 && d[i]![j] === d[i - 1]![j]! + 1) {
      pairs.push(`${ref[i - 1]} → ∅`);
      i--;
    } else {
      pairs.push(`∅ → ${hyp[j - 1]}`);
      j--;
    }
  }
  return { errors: d[ref.length]![hyp.length]!, pairs };
}

const split = (s: string): string[] => words(s).split(' ').filter(Boolean);

function summarize(runs: readonly Run[]): Summary {
  let errors = 0;
  let refWords = 0;
  for (const r of runs) {
    errors += align(split(r.say), split(r.transcript)).errors;
    refWords += split(r.say).length;
  }
  return {
    runs: runs.length,
    correctPct: pct(runs.filter((r) => r.correct).length, runs.length),
    actionPct: pct(runs.filter((r) => r.action).length, runs.length),
    exactTranscriptPct: pct(runs.filter((r) => r.exactTranscript).length, runs.length),
    wordErrorRatePct: pct(errors, refWords),
    notOneTurn: runs.filter((r) => r.turns !== 1).length,
  };
}

function groupBy(runs: readonly Run[], key: (r: Run) => string): Record<string, Summary> {
  const groups = new Map<string, Run[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return Object.fromEntries([...groups].map(([k, rs]) => [k, summarize(rs)]));
}

function top(counts: Map<string, number>, n: number): { what: string; count: number }[] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([what, count]) => ({ what, count }));
}

function report(utteranceCount: number, runs: readonly Run[], oracleFailures: readonly unknown[], wallS: number): void {
  const overall = summarize(runs);
  const byCondition = groupBy(runs, (r) => r.condition);
  const byVoice = groupBy(runs, (r) => r.voice);
  const byConditionVoice = groupBy(runs, (r) => `${r.condition} ${r.voice}`);
  const byGroup = groupBy(runs, (r) => r.group);
  const bySpeed = groupBy(runs, (r) => `${r.wpm} wpm`);

  const wordConfusions = new Map<string, number>();
  for (const r of runs) for (const p of align(split(r.say), split(r.transcript)).pairs) wordConfusions.set(p, (wordConfusions.get(p) ?? 0) + 1);
  const actionConfusions = new Map<string, number>();
  for (const r of runs.filter((x) => !x.correct)) {
    const exp = r.expected.replace(/\(.*$/, '').replace(/^say: .*/, 'a spoken answer');
    const got = r.got.replace(/\(.*$/, '').replace(/^say: .*/, (s) => `say "${s.slice(5, 45)}…"`);
    const key = r.action ? `${exp}: right tool, wrong arguments` : `${exp} → ${got}`;
    actionConfusions.set(key, (actionConfusions.get(key) ?? 0) + 1);
  }

  // How stable each utterance's outcome is across the noise draws of one condition.
  const outcomes = new Map<string, number[]>();
  for (const r of runs) {
    const key = `${r.condition}|${r.index}`;
    outcomes.set(key, [...(outcomes.get(key) ?? []), r.correct ? 1 : 0]);
  }
  const stability: Record<string, Record<string, number>> = {};
  for (const [key, xs] of outcomes) {
    const condition = key.split('|')[0]!;
    const k = `${xs.reduce((a, b) => a + b, 0)}/${xs.length} correct`;
    stability[condition] ??= {};
    stability[condition][k] = (stability[condition][k] ?? 0) + 1;
  }

  const row = (name: string, s: Summary): string =>
    `${name.padEnd(22)} ${String(s.runs).padStart(4)}  ${s.correctPct.toFixed(1).padStart(6)}  ${s.actionPct.toFixed(1).padStart(6)}  ${s.exactTranscriptPct.toFixed(1).padStart(6)}  ${s.wordErrorRatePct.toFixed(1).padStart(5)}  ${String(s.notOneTurn).padStart(5)}`;
  const header = `${''.padEnd(22)} runs  correct  action  exact%    WER  !1turn`;
  console.log(`\n${utteranceCount} utterances × ${CONDITIONS.length} conditions × ${DRAWS} noise draws = ${runs.length} runs in ${wallS.toFixed(0)} s\n`);
  console.log(header);
  console.log(row('all', overall));
  for (const [k, s] of Object.entries(byCondition)) console.log(row(k, s));
  console.log('');
  for (const [k, s] of Object.entries(byVoice)) console.log(row(k, s));
  console.log('');
  for (const [k, s] of Object.entries(byConditionVoice)) console.log(row(k, s));
  console.log('');
  for (const [k, s] of Object.entries(bySpeed)) console.log(row(k, s));
  console.log('');
  for (const [k, s] of Object.entries(byGroup)) console.log(row(k, s));
  console.log('\nutterances by outcome across their noise draws:');
  for (const [condition, counts] of Object.entries(stability))
    console.log(`  ${condition}: ${Object.entries(counts).sort((a, b) => b[0].localeCompare(a[0])).map(([k, n]) => `${n} × ${k}`).join(', ')}`);
  // The utterances that failed most often, with what was heard.
  const byUtterance = new Map<number, Run[]>();
  for (const r of runs) byUtterance.set(r.index, [...(byUtterance.get(r.index) ?? []), r]);
  const worstUtterances = [...byUtterance.values()]
    .map((rs) => ({
      say: rs[0]!.say,
      voice: `${rs[0]!.voice} ${rs[0]!.wpm} wpm`,
      failed: `${rs.filter((r) => !r.correct).length}/${rs.length}`,
      failures: rs.filter((r) => !r.correct).length,
      heard: [...new Set(rs.filter((r) => !r.correct).map((r) => `${r.condition}: "${r.transcript}"`))],
    }))
    .filter((w) => w.failures > 0)
    .sort((a, b) => b.failures - a.failures || a.say.localeCompare(b.say))
    .slice(0, 12);
  console.log('\nutterances failed most often (clean + noisy draws):');
  for (const w of worstUtterances) console.log(`  ${w.failed.padStart(5)}  "${w.say}" (${w.voice}) → ${w.heard.slice(0, 3).join('; ')}`);
  console.log('\nworst action confusions:');
  for (const c of top(actionConfusions, 10)) console.log(`  ${String(c.count).padStart(3)}  ${c.what}`);
  console.log('\nworst word confusions (reference → heard):');
  for (const c of top(wordConfusions, 15)) console.log(`  ${String(c.count).padStart(3)}  ${c.what}`);
  console.log(`\ntarget ≥ 90% correct (tool + every argument, or the expected answer): ${overall.correctPct >= 90 ? 'met' : 'NOT met'} (${overall.correctPct}%)`);
  if (oracleFailures.length > 0) console.log(`text oracle: ${oracleFailures.length} templates fail even from their exact words (see above)`);

  const out = {
    benchmark: 'recognition',
    date: new Date().toISOString(),
    environment: environment(),
    method: {
      utterances: utteranceCount,
      noiseDrawsPerCondition: DRAWS,
      conditions: {
        clean: `speech + white noise at ${MIC_FLOOR_DBFS} dBFS (a microphone's noise floor)`,
        noisy: `speech + white noise ${SNR_DB} dB below the speech's active level (ITU-T P.56 method B), whole clip`,
      },
      audio: `espeak-ng (voices ${VOICES.join(', ')}; ${SPEEDS.join('/')} wpm) → sox 16 kHz, trimmed; ${LEAD_MS} ms before, ${TAIL_MS} ms after; noise mixed at 16 kHz; resampled to 24 kHz PCM16 for /v1/realtime`,
      pipeline: 'in-process Parley server, engine local: input_audio_buffer.append in 20 ms frames (unpaced) → EnergyVad turn → pocketsphinx with the receptionist grammar for that point of the dialogue (set-up turns played as text in the same session first) → transcription.completed; then a fresh ReceptionistBrain (fixed now, all built-in tools) after the set-up turns',
      now: NOW.toISOString(),
      correct: 'the brain calls the expected tool with exactly the expected arguments, or (for answers) says the expected thing and calls nothing',
      action: 'the expected tool (arguments aside), or the expected answer',
      exactTranscript: 'the transcript has exactly the template\'s words (case and punctuation aside)',
      wallSeconds: Math.round(wallS),
    },
    summary: { overall, byCondition, byVoice, byConditionVoice, bySpeed, byGroup, stabilityAcrossDraws: stability },
    confusions: { actions: top(actionConfusions, 20), words: top(wordConfusions, 30), utterances: worstUtterances.map(({ failures: _f, ...w }) => w) },
    textOracleFailures: oracleFailures,
    failures: runs.filter((r) => !r.correct),
    runs,
  };
  writeResult('recognition', out);
}

await main();
