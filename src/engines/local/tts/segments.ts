/*
 * Splits text into the pieces synthesized one process each: sentences, and clauses of
 * sentences that are too long. Shorter pieces start sooner and let the words be placed on the
 * audio more precisely (see TextTimeline); cutting only at sentence and clause punctuation
 * keeps espeak-ng's prosody, since it shapes intonation and pauses per clause anyway (measured:
 * "Hello there," + "how are you today?" last exactly as long as the whole sentence).
 */

export interface SegmentWord {
  /** A word with the whitespace after it (the first word of the text also carries the whitespace before it). */
  text: string;
  /** Where the word starts within the segment's speech, 0..1, by character count. */
  at: number;
}

export interface Segment {
  /** The exact slice of the input: all segments' `text` concatenate to the input. */
  text: string;
  /** What espeak-ng is given: trimmed and made safe (see `espeakSafe`); '' when nothing is left to say. */
  spoken: string;
  /** `text` cut into words; their `text` concatenates to the segment's. */
  words: SegmentWord[];
}

/** Segments longer than this are cut at clause punctuation, then between words. */
export const DEFAULT_MAX_SEGMENT_CHARS = 200;
// A single "word" longer than this (a URL, a base64 blob) is cut anyway, so the argument stays
// far below Linux's 128 KiB per-argument limit.
const MAX_WORD_CHARS = 1000;

// Sentence end: terminal punctuation, maybe closing quotes/brackets, then whitespace; or a blank line.
const SENTENCE_END = /[.!?…]+["'”’)\]}»]*\s+|\n[ \t\r\f\v]*\n\s*/gu;
// Clause end inside a sentence.
const CLAUSE_END = /[,;:—–]["'”’)\]}»]*\s+|\s+[—–]\s+/gu;

// Words after which a single '.' does not end a sentence.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'eg', 'ie',
  'no', 'fig', 'approx', 'inc', 'ltd', 'co', 'corp', 'dept', 'est', 'ft', 'gen', 'gov', 'lt',
  'col', 'sgt', 'capt', 'rev', 'hon', 'ave', 'blvd', 'rd', 'jan', 'feb', 'mar', 'apr', 'jun',
  'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'a.m', 'p.m', 'u.s', 'u.k', 'vol', 'p', 'pp',
]);

/**
 * Cuts `text` into segments of at most `maxChars` characters (a longer single word stays whole
 * up to 1000 characters). Whitespace-only text gives no segments.
 */
export function splitText(text: string, maxChars = DEFAULT_MAX_SEGMENT_CHARS): Segment[] {
  if (text.trim() === '') return [];
  const pieces: string[] = [];
  for (const sentence of cutAfter(text, SENTENCE_END, isSentenceEnd)) {
    if (sentence.length <= maxChars) pieces.push(sentence);
    else pieces.push(...pack(splitLong(sentence, maxChars), maxChars));
  }
  // Each cut keeps the whitespace after it, so only a blank-line cut at the very start leaves a
  // whitespace-only piece: it joins the next one.
  const merged: string[] = [];
  let carry = '';
  for (const piece of pieces) {
    if (piece.trim() === '') carry += piece;
    else {
      merged.push(carry + piece);
      carry = '';
    }
  }
  if (carry !== '') merged.push(merged.pop()! + carry);
  return merged.map(toSegment);
}

/** Makes text safe to hand to espeak-ng as plain text (markup is never enabled: no `-m`). */
export function espeakSafe(text: string): string {
  return (
    text
      // Control characters (NUL cannot even be passed in an argument) become spaces.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
      // `[[…]]` is espeak-ng's phoneme input even in plain-text mode; break it up so the
      // brackets are read as punctuation.
      .replace(/\[(?=\[)/g, '[ ')
      .replace(/\](?=\])/g, '] ')
      .trim()
  );
}

/** Cuts after each match of `re` (a global regex) that `accept` approves. */
function cutAfter(text: string, re: RegExp, accept: (text: string, match: RegExpExecArray) => boolean): string[] {
  const out: string[] = [];
  let from = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end >= text.length) break;
    if (!accept(text, m)) continue;
    out.push(text.slice(from, end));
    from = end;
  }
  out.push(text.slice(from));
  return out;
}

function isSentenceEnd(text: string, m: RegExpExecArray): boolean {
  if (!m[0].startsWith('.') || m[0].startsWith('..')) return true;
  // A single '.': not after an abbreviation or an initial ("J. Smith").
  const before = text.slice(0, m.index);
  const word = (/[^\s([{"'“‘]*$/u.exec(before)?.[0] ?? '').toLowerCase();
  if (word === '') return true;
  if (ABBREVIATIONS.has(word)) return false;
  return !/^\p{L}$/u.test(word);
}

/** A long sentence as clauses, and clauses still too long as words (and over-long words as slices). */
function splitLong(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  for (const clause of cutAfter(sentence, CLAUSE_END, () => true)) {
    if (clause.length <= maxChars) {
      out.push(clause);
      continue;
    }
    for (const word of clause.match(/\s*\S+\s*/gu) ?? [clause]) {
      for (let i = 0; i < word.length; ) {
        let end = Math.min(word.length, i + MAX_WORD_CHARS);
        // Don't split a surrogate pair.
        if (end < word.length && /[\uD800-\uDBFF]/.test(word[end - 1]!)) end--;
        out.push(word.slice(i, end));
        i = end;
      }
    }
  }
  return out;
}

/** Joins consecutive parts greedily while they fit in `maxChars`. */
function pack(parts: string[], maxChars: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current !== '' && current.length + part.length > maxChars) {
      out.push(current);
      current = '';
    }
    current += part;
  }
  if (current !== '') out.push(current);
  return out;
}

function toSegment(text: string): Segment {
  const spoken = espeakSafe(text);
  const tokens = text.match(/\s*\S+\s*/gu) ?? [text];
  // Position by character count on the whitespace-normalized text: a word starts after the
  // characters of the words before it plus one space per gap.
  const lengths = tokens.map((t) => t.trim().length);
  const total = lengths.reduce((a, b) => a + b, 0) + Math.max(0, tokens.length - 1);
  let before = 0;
  const words = tokens.map((t, i) => {
    const at = total > 0 ? before / total : 0;
    before += lengths[i]! + 1;
    return { text: t, at };
  });
  return { text, spoken, words };
}
