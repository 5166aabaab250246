/**
 * Percentiles as the load tool and the benchmarks report them: linear interpolation between
 * order statistics (the "R-7" / NumPy default), over every sample, no binning.
 */

/** The value at quantile `p` (0..1) of `sorted` (ascending, at least one value). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  return a + (h - lo) * (b - a);
}

/** A numeric copy of `xs`, ascending. */
export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** n, p50, p95, p99, min, max and mean of `xs`, rounded to `decimals` (default 1); null when empty. */
export function summarize(xs: ArrayLike<number>, decimals = 1): Summary | null {
  if (xs.length === 0) return null;
  const s = sortedCopy(xs);
  const f = 10 ** decimals;
  const r = (x: number): number => Math.round(x * f) / f;
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: r(quantile(s, 0.5)), p95: r(quantile(s, 0.95)), p99: r(quantile(s, 0.99)), min: r(s[0]!), max: r(s[s.length - 1]!), mean: r(sum / s.length) };
}

/** A growable list of numbers in a Float64Array (a long run records millions of frame times). */
export class Samples {
  private data = new Float64Array(1024);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(x: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = x;
  }

  /** Appends every value of `other`. */
  pushAll(other: Samples): void {
    for (const x of other.values()) this.push(x);
  }

  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }

  /** How many values are above `limit`. */
  countAbove(limit: number): number {
    let n = 0;
    for (const x of this.values()) if (x > limit) n++;
    return n;
  }
}
