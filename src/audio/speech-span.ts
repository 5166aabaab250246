/**
 * Where the speech is in a clean recording, measured on the signal itself: what the load tool
 * times a caller's "end of speech" from, and what the tests and benchmarks trim speech with.
 */

import { DBFS_FLOOR, rms, rmsDbfs } from './levels.js';

/** Level of each 10 ms frame in dBFS (DBFS_FLOOR for digital silence); a partial last frame is left out. */
export function frameLevels(samples: Int16Array, rate: number): number[] {
  const levels: number[] = [];
  for (let k = 0; frameStart(k + 1, rate) <= samples.length; k++) levels.push(rmsDbfs(samples.subarray(frameStart(k, rate), frameStart(k + 1, rate))));
  return levels;
}

/** Where 10 ms frame `k` starts, in samples (whole samples: at 22 050 Hz a frame is 220.5). */
const frameStart = (k: number, rate: number): number => Math.floor((k * rate) / 100);

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
  // A loop, not Math.max(...levels): a long recording has too many frames for the argument list.
  let loudest = DBFS_FLOOR;
  for (const level of levels) loudest = Math.max(loudest, level);
  if (loudest <= DBFS_FLOOR) return { startMs: 0, endMs: 0, rms: 0 };
  const first = levels.findIndex((level) => level > loudest - 40);
  let last = levels.length - 1;
  while (levels[last]! <= loudest - 40) last--;
  return { startMs: first * 10, endMs: (last + 1) * 10, rms: rms(samples.subarray(frameStart(first, rate), frameStart(last + 1, rate))) * 32768 };
}
