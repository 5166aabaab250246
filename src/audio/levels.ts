/*
 * Signal levels relative to full scale (32768). dBFS here is 20·log10(level), so a full-scale
 * square wave reads 0 dBFS and a full-scale sine −3.01 dBFS (RMS).
 */

/** Reported for digital silence instead of −Infinity, so levels stay finite numbers (JSON, metrics). */
export const DBFS_FLOOR = -100;

const FULL_SCALE = 32768;

/** Root-mean-square level in [0, 1]; 0 for an empty signal. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sumOfSquares = 0;
  for (let i = 0; i < samples.length; i++) sumOfSquares += samples[i]! * samples[i]!;
  return Math.sqrt(sumOfSquares / samples.length) / FULL_SCALE;
}

/** Largest absolute sample in [0, 1] (−32768 reads exactly 1); 0 for an empty signal. */
export function peak(samples: Int16Array): number {
  let max = 0;
  for (let i = 0; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]!));
  return max / FULL_SCALE;
}

/** Converts a linear level (1 = full scale) to dBFS, never below `floor`. */
export function toDbfs(level: number, floor = DBFS_FLOOR): number {
  return level > 0 ? Math.max(floor, 20 * Math.log10(level)) : floor;
}

export function rmsDbfs(samples: Int16Array, floor = DBFS_FLOOR): number {
  return toDbfs(rms(samples), floor);
}

export function peakDbfs(samples: Int16Array, floor = DBFS_FLOOR): number {
  return toDbfs(peak(samples), floor);
}
