import { readNumber } from './numbers.js';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'] as const;

/** A calendar date without time zone. */
export interface LocalDate {
  year: number;
  month: number; // 1..12
  day: number;
}

export const isoDate = (d: LocalDate): string => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** Today's date in `timeZone` (relative dates are the agent's, not the server's). */
export function today(now: Date, timeZone: string): LocalDate {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

const toUtc = (d: LocalDate): Date => new Date(Date.UTC(d.year, d.month - 1, d.day));
const fromUtc = (t: Date): LocalDate => ({ year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() });
export const addDays = (d: LocalDate, n: number): LocalDate => fromUtc(new Date(toUtc(d).getTime() + n * 86_400_000));
export const weekdayOf = (d: LocalDate): number => toUtc(d).getUTCDay();

/**
 * Finds a date in the tokens: today, tomorrow, the day after tomorrow,
 * (this|next)? <weekday>, <month> <day>, the <ordinal> (of <month>)?.
 * "next Tuesday" said on a Monday is the Tuesday of the following week only
 * when "next" is stressed as "next week's"; callers mean the coming one, so
 * "next <weekday>" = the first such day after today, as most people use it.
 */
export function findDate(tokens: readonly string[], base: LocalDate): LocalDate | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === 'today') return base;
    if (t === 'tomorrow') return tokens[i - 1] === 'after' && tokens[i - 2] === 'day' ? addDays(base, 2) : addDays(base, 1);
    const wd = WEEKDAYS.indexOf(t as (typeof WEEKDAYS)[number]);
    if (wd >= 0) {
      let delta = (wd - weekdayOf(base) + 7) % 7;
      // "next week Friday": that day of the following week; a bare weekday: the coming one.
      if (tokens[i - 1] === 'week' && tokens[i - 2] === 'next') delta = delta === 0 ? 7 : delta + 7;
      else if (delta === 0) delta = tokens[i - 1] === 'this' || tokens[i - 1] === 'today' ? 0 : 7;
      return addDays(base, delta);
    }
    const mo = MONTHS.indexOf(t as (typeof MONTHS)[number]);
    if (mo >= 0) {
      const after = readNumber(tokens, tokens[i + 1] === 'the' ? i + 2 : i + 1);
      const before = tokens[i - 1] === 'of' ? readNumber(tokens, tokens[i - 2] === undefined ? -1 : i - 2) : null;
      const day = after?.value ?? before?.value;
      if (day && day >= 1 && day <= 31) return nextOccurrence(base, mo + 1, day);
    }
    if (t === 'the') {
      const n = readNumber(tokens, i + 1);
      if (n?.ordinal && n.value >= 1 && n.value <= 31) {
        const after = i + 1 + n.used;
        const month = tokens[after] === 'of' ? MONTHS.indexOf(tokens[after + 1] as (typeof MONTHS)[number]) : -1;
        if (month >= 0) return nextOccurrence(base, month + 1, n.value);
        if (n.value >= base.day) return { ...base, day: n.value };
        return base.month === 12 ? { year: base.year + 1, month: 1, day: n.value } : { year: base.year, month: base.month + 1, day: n.value };
      }
    }
  }
  return null;
}

function nextOccurrence(base: LocalDate, month: number, day: number): LocalDate {
  const thisYear = { year: base.year, month, day };
  return isoDate(thisYear) >= isoDate(base) ? thisYear : { year: base.year + 1, month, day };
}

/** "Tuesday, November 24" for replies. */
export function speakDate(d: LocalDate, base: LocalDate): string {
  if (isoDate(d) === isoDate(base)) return 'today';
  if (isoDate(d) === isoDate(addDays(base, 1))) return 'tomorrow';
  const wd = WEEKDAYS[weekdayOf(d)] as string;
  const mo = MONTHS[d.month - 1] as string;
  const cap = (s: string): string => s[0]?.toUpperCase() + s.slice(1);
  return `${cap(wd)}, ${cap(mo)} ${d.day}`;
}
