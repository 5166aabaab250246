/** Spoken numbers → integers, for what recognizers and typists produce ("twenty four", "24", "fourth"). */
const UNITS: Record<string, number> = {
  zero: 0, oh: 0, o: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50 };
const ORDINALS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17,
  eighteenth: 18, nineteenth: 19, twentieth: 20, thirtieth: 30,
};

export const DIGIT_WORDS: readonly string[] = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
export const NUMBER_WORDS: readonly string[] = [...Object.keys(UNITS), ...Object.keys(TENS)];
export const ORDINAL_WORDS: readonly string[] = Object.keys(ORDINALS);

/** Reads a number (cardinal or ordinal, words or digits) at `tokens[i]`; returns value and tokens used. */
export function readNumber(tokens: readonly string[], i: number): { value: number; used: number; ordinal: boolean } | null {
  const t = tokens[i];
  if (t === undefined) return null;
  const digits = /^(\d+)(st|nd|rd|th)?$/.exec(t);
  if (digits) return { value: Number(digits[1]), used: 1, ordinal: Boolean(digits[2]) };
  if (t in ORDINALS) return { value: ORDINALS[t] as number, used: 1, ordinal: true };
  if (t in TENS) {
    const next = tokens[i + 1];
    if (next !== undefined && next in UNITS && (UNITS[next] as number) < 10 && (UNITS[next] as number) > 0) return { value: (TENS[t] as number) + (UNITS[next] as number), used: 2, ordinal: false };
    if (next !== undefined && next in ORDINALS && (ORDINALS[next] as number) < 10) return { value: (TENS[t] as number) + (ORDINALS[next] as number), used: 2, ordinal: true };
    return { value: TENS[t] as number, used: 1, ordinal: false };
  }
  if (t in UNITS && t !== 'o' && t !== 'oh') return { value: UNITS[t] as number, used: 1, ordinal: false };
  return null;
}

/** A run of single digits ("five five five one two", "5551234", "oh seven") → the digit string. */
export function readDigits(tokens: readonly string[]): string | null {
  let best = '';
  let run = '';
  for (const t of tokens) {
    if (/^\d+$/.test(t)) run += t;
    else if (t in UNITS && (UNITS[t] as number) < 10) run += String(UNITS[t]);
    else if (t === 'double' || t === 'dash') continue;
    else {
      if (run.length > best.length) best = run;
      run = '';
    }
  }
  if (run.length > best.length) best = run;
  return best.length >= 3 ? best : null;
}
