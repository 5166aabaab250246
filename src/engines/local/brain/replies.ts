import { speakDate, today, type LocalDate } from './nlu/dates.js';
import { speakTime } from './nlu/times.js';

/** Short, natural phrasings, in one place so tone stays consistent. */
export function when(date: string | undefined, time: string | undefined, base: LocalDate): string {
  const parts: string[] = [];
  if (date) {
    const [y, m, d] = date.split('-').map(Number);
    parts.push(speakDate({ year: y as number, month: m as number, day: d as number }, base));
  }
  if (time) {
    const [h, min] = time.split(':').map(Number);
    parts.push(`at ${speakTime({ hour: h as number, minute: min as number })}`);
  }
  return parts.join(' ');
}

export const timeOnly = (time: string): string => {
  const [h, m] = time.split(':').map(Number);
  return speakTime({ hour: h as number, minute: m as number });
};

export const listOr = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);

/** Ends a sentence once: "10 a.m." needs no second period. */
export const stop = (s: string): string => (s.endsWith('.') ? s : `${s}.`);

export const article = (word: string): string => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

export { today };
