/** Test signal helpers (not a test file itself: the runner only picks up *.test.ts). */

/** A sine wave, rounded to int16. */
export function sine(frequency: number, rate: number, length: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
  return out;
}

/** Deterministic pseudo-random int16 noise (xorshift32), so failures are reproducible. */
export function noise(length: number, amplitude = 8000, seed = 0x2545f491): Int16Array {
  const out = new Int16Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = Math.round(((state >>> 0) / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return out;
}

/** RMS of samples[from, to). */
export function rmsOf(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (to - from));
}

export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** Splits a signal into consecutive chunks of the given sizes (cycling through them). */
export function chunk<T extends { length: number; subarray(begin: number, end: number): T }>(
  signal: T,
  sizes: readonly number[],
): T[] {
  const chunks: T[] = [];
  for (let offset = 0, i = 0; offset < signal.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(signal.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
