import { readNumber } from './numbers.js';

export interface LocalTime {
  hour: number; // 0..23
  minute: number;
}

export const isoTime = (t: LocalTime): string => `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;

const AM = new Set(['am', 'a.m.', 'morning']);
const PM = new Set(['pm', 'p.m.', 'afternoon', 'evening', 'tonight']);

/**
 * Finds a clock time: "ten a.m.", "10am", "10:30", "ten thirty", "half past
 * two", "quarter to three", "noon". Without am/pm, 7–11 is morning and 12–6
 * afternoon: the hours a clinic is open.
 */
export function findTime(tokens: readonly string[]): LocalTime | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === 'noon' || t === 'midday') return { hour: 12, minute: 0 };
    const clock = /^(\d{1,2}):(\d{2})$/.exec(t);
    if (clock) return withMeridiem({ hour: Number(clock[1]), minute: Number(clock[2]) }, tokens, i + 1);
    const compact = /^(\d{1,2})(am|pm)$/.exec(t);
    if (compact) return withMeridiem({ hour: Number(compact[1]), minute: 0 }, [compact[2] as string], 0);
    if ((t === 'half' || t === 'quarter') && tokens[i + 1] === 'past') {
      const h = readNumber(tokens, i + 2);
      if (h && h.value >= 1 && h.value <= 12) return withMeridiem({ hour: h.value, minute: t === 'half' ? 30 : 15 }, tokens, i + 2 + h.used);
    }
    if (t === 'quarter' && tokens[i + 1] === 'to') {
      const h = readNumber(tokens, i + 2);
      if (h && h.value >= 1 && h.value <= 12) return withMeridiem({ hour: h.value === 1 ? 12 : h.value - 1, minute: 45 }, tokens, i + 2 + h.used);
    }
    // "at ten", "ten a.m.", "ten thirty", "ten o'clock"
    const n = readNumber(tokens, i);
    if (!n || n.ordinal || n.value < 1 || n.value > 12) continue;
    const next = tokens[i + n.used];
    const anchored = tokens[i - 1] === 'at' || tokens[i - 1] === 'around' || tokens[i - 1] === 'by';
    let minute = 0;
    let used = n.used;
    if (next === "o'clock" || next === 'oclock') used += 1;
    else {
      const m = readNumber(tokens, i + n.used);
      if (m && !m.ordinal && m.value >= 0 && m.value < 60 && (m.value >= 10 || tokens[i + n.used] === 'oh' || tokens[i + n.used] === 'o')) {
        minute = m.value;
        used += m.used;
      } else if ((tokens[i + n.used] === 'oh' || tokens[i + n.used] === 'o') && readNumber(tokens, i + n.used + 1)) {
        minute = readNumber(tokens, i + n.used + 1)?.value ?? 0;
        used += 2;
      }
    }
    const meridiem = tokens[i + used];
    // "four oh seven two" is a digit string, not 4:07.
    if (!anchored && meridiem !== undefined && readNumber(tokens, i + used) !== null) continue;
    if (anchored || (meridiem !== undefined && (AM.has(meridiem) || PM.has(meridiem) || meridiem === 'in')) || next === "o'clock" || minute > 0) {
      return withMeridiem({ hour: n.value, minute }, tokens, i + used);
    }
  }
  return null;
}

function withMeridiem(t: LocalTime, tokens: readonly string[], at: number): LocalTime {
  let word = tokens[at];
  if (word === 'in' && tokens[at + 1] === 'the') word = tokens[at + 2];
  if (word !== undefined && AM.has(word)) return { hour: t.hour % 12, minute: t.minute };
  if (word !== undefined && PM.has(word)) return { hour: (t.hour % 12) + 12, minute: t.minute };
  if (t.hour > 12) return t;
  return { hour: t.hour >= 7 && t.hour <= 11 ? t.hour : t.hour === 12 ? 12 : t.hour + 12, minute: t.minute };
}

/** "10 a.m.", "2:30 p.m." for replies (spoken well by espeak). */
export function speakTime(t: LocalTime): string {
  const h = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const suffix = t.hour < 12 ? 'a.m.' : 'p.m.';
  return t.minute === 0 ? `${h} ${suffix}` : `${h}:${String(t.minute).padStart(2, '0')} ${suffix}`;
}
