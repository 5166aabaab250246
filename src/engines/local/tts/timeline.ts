import type { Segment } from './segments.js';

interface SegmentSpan {
  /** First sample of the segment's audio in the stream; undefined until it starts. */
  start: number | undefined;
  /** True once the segment's process has finished, so the loud span is final. */
  finished: boolean;
  /** Length of the speech guessed before that (see `estimateSamples`). */
  estimate: number;
  /** Samples seen so far. */
  received: number;
  /** First and one past the last sample (from the segment's start) above the speech threshold. */
  loudFrom: number | undefined;
  loudTo: number;
}

// Samples quieter than this (−40 dBFS) are lead-in or pause, not words.
const SPEECH_THRESHOLD = 328;

/**
 * Places each segment's words on the stream's sample clock, so every chunk carries the words
 * whose audio starts in it.
 *
 * The estimate: espeak-ng's command line reports no word timings, so within a segment the words
 * are spread over its speech in proportion to character count — a word whose first character
 * is at fraction f of the (whitespace-normalized) segment text starts at a + f · (b − a), where
 * [a, b) is the segment's audio from its first to its last sample above −40 dBFS (so the
 * lead-in and the ~300 ms sentence-final pause carry no words). b is exact once the segment's
 * process has finished (usually before its first chunk goes out: espeak-ng runs ~100× faster
 * than real time); until then it is the larger of a characters-and-speed estimate and the
 * last loud sample so far. Whatever the estimate, each segment's words are all out by the
 * chunk holding its last sample, and nothing is lost: the chunks' text concatenates to the
 * input exactly.
 */
export class TextTimeline {
  readonly #words: { text: string; segment: number; at: number }[] = [];
  readonly #spans: SegmentSpan[];
  #next = 0;

  constructor(segments: readonly Segment[], estimates: readonly number[]) {
    segments.forEach((segment, i) => {
      for (const word of segment.words) this.#words.push({ text: word.text, segment: i, at: word.at });
    });
    this.#spans = segments.map((_, i) => ({
      start: undefined,
      finished: false,
      estimate: estimates[i] ?? 0,
      received: 0,
      loudFrom: undefined,
      loudTo: 0,
    }));
  }

  /** Segment `index`'s audio starts at stream sample `start`. */
  begin(index: number, start: number): void {
    const span = this.#spans[index];
    if (span !== undefined && span.start === undefined) span.start = start;
  }

  /** The next samples of segment `index`. */
  received(index: number, samples: Int16Array): void {
    const span = this.#spans[index];
    if (span === undefined) return;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (s > SPEECH_THRESHOLD || s < -SPEECH_THRESHOLD) {
        span.loudFrom ??= span.received + i;
        span.loudTo = span.received + i + 1;
      }
    }
    span.received += samples.length;
  }

  /** Segment `index` has all its samples. */
  finish(index: number): void {
    const span = this.#spans[index];
    if (span !== undefined) span.finished = true;
  }

  /** The words (with their whitespace) starting before stream sample `end`, not yet released. */
  release(end: number): string {
    let text = '';
    while (this.#next < this.#words.length) {
      const word = this.#words[this.#next]!;
      const span = this.#spans[word.segment]!;
      if (span.start === undefined) break;
      const from = span.loudFrom ?? 0;
      const to = span.finished ? Math.max(from, span.loudTo) : Math.max(from + span.estimate, span.loudTo);
      if (span.start + from + word.at * (to - from) >= end) break;
      text += word.text;
      this.#next++;
    }
    return text;
  }

  /** Everything not yet released (the last chunk). */
  releaseAll(): string {
    let text = '';
    for (; this.#next < this.#words.length; this.#next++) text += this.#words[this.#next]!.text;
    return text;
  }
}
