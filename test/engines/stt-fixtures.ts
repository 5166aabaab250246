import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readWav } from '../../src/audio/wav.js';
import { defineGrammar, oneOf, type Grammar } from '../../src/engines/local/stt/index.js';

const run = promisify(execFile);

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'today', 'tomorrow'];
const HOURS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A small receptionist-style grammar: booking, cancelling, rescheduling, yes/no, days, times, phone digits. */
export function bookingGrammar(): Grammar {
  return defineGrammar({
    name: 'booking',
    public: 'utterance',
    rules: {
      utterance: ['<booking>', '<cancel>', '<reschedule>', '<answer>', '<when>', '<phone>'],
      answer: ["yes [please | that's right]", 'no [thank you]', 'no <day>'],
      booking: "(i'd like to | i want to | can i) book (a consultation | an appointment) [<when>]",
      when: ['[next | on] <day> [at <time>]', 'at <time>', '<time>'],
      time: ["<hour> [<minutes>] [a.m. | p.m. | o'clock]", 'noon', 'midday'],
      hour: oneOf(...HOURS),
      minutes: ['fifteen', 'thirty', 'forty five', 'oh five', 'ten', 'twenty'],
      day: DAYS,
      cancel: "[i want to | i'd like to | please] cancel my appointment",
      reschedule: 'reschedule my appointment [to <when>]',
      phone: '[my number is] <digit>+',
      digit: DIGITS,
    },
  });
}

export interface Phrase {
  id: string;
  /** What espeak-ng says. */
  say: string;
  /** The transcript the grammar should produce. */
  expect: string;
}

/** Asserted exactly, for each of the core voices. */
export const CORE: readonly Phrase[] = [
  { id: 'book', say: "I'd like to book a consultation next Tuesday at ten a.m.", expect: "i'd like to book a consultation next tuesday at ten a.m." },
  { id: 'yes', say: 'yes', expect: 'yes' },
  { id: 'no-tuesday', say: 'no, Tuesday', expect: 'no tuesday' },
  { id: 'cancel', say: 'cancel my appointment', expect: 'cancel my appointment' },
  { id: 'digits', say: 'five five five one two three four', expect: 'five five five one two three four' },
];

/** Reported as accuracy only. */
export const MORE: readonly Phrase[] = [
  { id: 'no', say: 'no', expect: 'no' },
  { id: 'yes-please', say: 'yes please', expect: 'yes please' },
  { id: 'no-thanks', say: 'no thank you', expect: 'no thank you' },
  { id: 'friday', say: "I'd like to book an appointment on Friday", expect: "i'd like to book an appointment on friday" },
  { id: 'monday-3pm', say: 'can I book a consultation on Monday at three p.m.', expect: 'can i book a consultation on monday at three p.m.' },
  { id: 'wednesday', say: 'Wednesday', expect: 'wednesday' },
  { id: 'thursday-930', say: 'Thursday at nine thirty', expect: 'thursday at nine thirty' },
  { id: 'phone', say: 'my number is zero seven seven oh nine one two three four five six', expect: 'my number is zero seven seven oh nine one two three four five six' },
  { id: 'cancel-want', say: 'I want to cancel my appointment', expect: 'i want to cancel my appointment' },
  { id: 'reschedule', say: 'reschedule my appointment to Thursday', expect: 'reschedule my appointment to thursday' },
  { id: 'eleven-am', say: 'eleven a.m.', expect: 'eleven a.m.' },
  { id: 'even-digits', say: 'two four six eight', expect: 'two four six eight' },
  { id: 'right', say: "yes that's right", expect: "yes that's right" },
  { id: 'saturday-4', say: "next Saturday at four o'clock", expect: "next saturday at four o'clock" },
  { id: 'noon', say: 'Sunday at noon', expect: 'sunday at noon' },
];

/** Voices the core set is asserted with; the diagnostic adds more. */
export const CORE_VOICES = ['en-us', 'en-gb'] as const;
export const MORE_VOICES = ['en-us+m3', 'en-us+f2', 'en-us+m1'] as const;

/** Synthesizes phrases with espeak-ng and converts them to 16 kHz mono PCM16 with sox. */
export class SpeechFixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-stt-'));
  #cache = new Map<string, Promise<Int16Array>>();

  get(text: string, voice: string): Promise<Int16Array> {
    const key = `${voice}\0${text}`;
    let audio = this.#cache.get(key);
    if (!audio) {
      audio = this.#synthesize(text, voice, this.#cache.size);
      this.#cache.set(key, audio);
    }
    return audio;
  }

  async #synthesize(text: string, voice: string, n: number): Promise<Int16Array> {
    const raw = join(this.dir, `${n}-raw.wav`);
    const out = join(this.dir, `${n}.wav`);
    await run('espeak-ng', ['-v', voice, '-s', '160', '-w', raw, text]);
    // -D: no dither. sox's own is random, which made a transcript differ between runs about
    // once in a hundred; the recognizer adds its own, seeded, so results are reproducible.
    await run('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', out]);
    const wav = readWav(readFileSync(out));
    if (wav.sampleRate !== 16000 || wav.channels !== 1) throw new Error(`sox produced ${wav.sampleRate} Hz × ${wav.channels}`);
    return wav.samples;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Splits audio into 20 ms chunks at 16 kHz. */
export function chunks(samples: Int16Array, ms = 20): Int16Array[] {
  const size = (16000 * ms) / 1000;
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += size) out.push(samples.subarray(i, Math.min(samples.length, i + size)));
  return out;
}
