/** Abbreviations whose period does not end a sentence (lower case, without the period). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'sr', 'jr', 'vs', 'etc', 'e.g', 'i.e', 'no', 'approx', 'dept', 'est', 'inc', 'ltd']);

const END = /[.!?…。！？]/;
const CLOSERS = /["'”’)\]]/;

/**
 * Cuts streamed text into sentences as it arrives, so speech can start on the
 * first one while the rest is still being generated. Nothing is lost or
 * reordered: the segments put back together are exactly the text pushed.
 * A segment ends after sentence punctuation (and closing quotes) followed by
 * whitespace and a character that can start a sentence, or at a line break;
 * a segment that grows past `maxChars` is cut at the last clause or word break.
 */
export class SentenceSplitter {
  private buffer = '';

  constructor(
    private readonly maxChars = 300,
    private readonly minChars = 2,
  ) {}

  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const cut = this.boundary();
      if (cut <= 0) break;
      out.push(this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut);
    }
    return out;
  }

  /** Whatever is left (the end of the answer). */
  flush(): string {
    const rest = this.buffer;
    this.buffer = '';
    return rest;
  }

  /** Index after the first complete sentence and the whitespace after it, or -1. */
  private boundary(): number {
    const sentence = this.sentenceEnd();
    if (sentence > 0 && sentence <= this.maxChars) return sentence;
    return this.buffer.length > this.maxChars ? this.forcedCut() : sentence;
  }

  private sentenceEnd(): number {
    const b = this.buffer;
    for (let i = 0; i < b.length; i++) {
      const ch = b[i] as string;
      if (ch === '\n') {
        let j = i + 1;
        while (j < b.length && /\s/.test(b[j] as string)) j++;
        if (j === b.length) return -1; // more blank lines or the next sentence may still come
        if (b.slice(0, i).trim().length >= this.minChars) return j;
        continue;
      }
      if (!END.test(ch)) continue;
      let j = i + 1;
      while (j < b.length && (END.test(b[j] as string) || CLOSERS.test(b[j] as string))) j++;
      if (j >= b.length || !/\s/.test(b[j] as string)) continue;
      let k = j;
      while (k < b.length && /\s/.test(b[k] as string)) k++;
      if (k === b.length) return -1; // the next character decides
      const next = b[k] as string;
      if (/\p{Ll}/u.test(next)) continue; // "10 a.m. on Tuesday": not a sentence start
      if (ch === '.' && this.isAbbreviation(i)) continue;
      if (b.slice(0, j).trim().length < this.minChars) continue;
      return k;
    }
    return -1;
  }

  /** A cut within `maxChars`: after the last clause break, else the last space, else hard. */
  private forcedCut(): number {
    const window = this.buffer.slice(0, this.maxChars);
    const clause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
    if (clause > this.maxChars / 3) return clause + 2;
    const space = window.lastIndexOf(' ');
    return space > 0 ? space + 1 : this.maxChars;
  }

  private isAbbreviation(dot: number): boolean {
    const word = /([\p{L}.]+)$/u.exec(this.buffer.slice(0, dot))?.[1]?.toLowerCase() ?? '';
    return ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word);
  }
}

/** Splits `text` into pieces of at most `maxChars`, at sentence boundaries where possible. */
export function splitForLimit(text: string, maxChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const splitter = new SentenceSplitter(maxChars, 1);
  const sentences = [...splitter.push(text), splitter.flush()].filter((s) => s !== '');
  const out: string[] = [];
  let current = '';
  for (const s of sentences) {
    if (current.length + s.length > maxChars && current !== '') {
      out.push(current);
      current = '';
    }
    current += s;
  }
  if (current !== '') out.push(current);
  return out;
}
