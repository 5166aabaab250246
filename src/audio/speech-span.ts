/**
 * Where the speech is in a clean recording, measured on the signal itself: what the load tool
 * times a caller's "end of speech" from, and what the tests and benchmarks trim speech with.
 */

/** Level of each 10 ms frame in dBFS (−100 for digital silence); a partial last frame is left out. */
export function frameLevels(samples: Int16Array, rate: number): number[] {
  const frame = rate / 100;
  const levels: number[] = [];
  for (let i = 0; i + frame <= samples.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += samples[j]! ** 2;
    levels.push(sum > 0 ? Math.max(-100, 10 * Math.log10(sum / frame / 32768 ** 2)) : -100);
  }
  return levels;
}

export interface SpeechSpan {
  /** Start of the first and end of the last 10 ms frame within 40 dB of the loudest frame. */
  startMs: number;
  endMs: number;
  /** RMS over that span, in int16 units. */
  rms: number;
}

/**
 * Where the speech in a clean (noise-free) signal is: from the first to the end of the last
 * 10 ms frame within 40 dB of the loudest one (espeak's tails fade out; this is where a listener
 * hears the last sound). A signal shorter than one frame, or all digital silence, spans nothing.
 */
export function speechSpan(samples: Int16Array, rate: number): SpeechSpan {
  const levels = frameLevels(samples, rate);
  if (levels.length === 0) return { startMs: 0, endMs: 0, rms: 0 };
  const loudest = Math.max(...levels);
  const first = levels.findIndex((level) => level > loudest - 40);
  if (first < 0) return { startMs: 0, endMs: 0, rms: 0 };
  let last = levels.length - 1;
  while (levels[last]! <= loudest - 40) last--;
  const frame = rate / 100;
  let sum = 0;
  for (let i = first * frame; i < (last + 1) * frame; i++) sum += samples[i]! ** 2;
  return { startMs: first * 10, endMs: (last + 1) * 10, rms: Math.sqrt(sum / ((last + 1 - first) * frame)) };
}
