/**
 * Per-frame micro-benchmarking shared by the frame benchmarks: every case is
 * warmed up, then timed in interleaved batches (case A batch 1, case B batch 1,
 * …) so background load hits all cases alike and ratios stay meaningful.
 */
export const WARMUP_FRAMES = 20_000;
// Each batch is timed as a whole (reading the clock costs about as much as a short frame's
// work); the median over batches of the per-frame mean is reported.
export const BATCHES = 200;
export const FRAMES_PER_BATCH = 500;

export interface Result {
  name: string;
  medianNs: number;
  p10Ns: number;
  p90Ns: number;
}

export interface Case {
  name: string;
  /**
   * Processes `count` frames and returns a number derived from the outputs, so the JIT
   * cannot drop the work. Each case has its own loop (not a shared loop calling a callback)
   * so every loop stays monomorphic and gets inlined like real code would.
   */
  run: (count: number) => number;
}

export function measureAll(cases: readonly Case[]): Result[] {
  let sink = 0;
  for (const { run } of cases) sink += run(WARMUP_FRAMES);
  const perFrame = cases.map((): number[] => []);
  for (let batch = 0; batch < BATCHES; batch++) {
    cases.forEach(({ run }, c) => {
      const start = process.hrtime.bigint();
      sink += run(FRAMES_PER_BATCH);
      perFrame[c]!.push(Number(process.hrtime.bigint() - start) / FRAMES_PER_BATCH);
    });
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: consumes `sink`');
  return cases.map(({ name }, c) => {
    const sorted = perFrame[c]!.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
    return { name, medianNs: at(0.5), p10Ns: at(0.1), p90Ns: at(0.9) };
  });
}

export function printTable(results: readonly Result[]): void {
  const width = Math.max(...results.map((r) => r.name.length));
  const cell = (ns: number) => ns.toFixed(0).padStart(10);
  console.log(`${'case'.padEnd(width)}  ${'median ns'.padStart(10)}  ${'p10 ns'.padStart(10)}  ${'p90 ns'.padStart(10)}`);
  for (const r of results) console.log(`${r.name.padEnd(width)}  ${cell(r.medianNs)}  ${cell(r.p10Ns)}  ${cell(r.p90Ns)}`);
}
