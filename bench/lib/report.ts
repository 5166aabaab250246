import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** What a result depends on beyond the code: recorded with every benchmark's figures. */
export function environment(): { node: string; platform: string; cpu: string; cores: number; loadAverage1m: number | undefined } {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    // Other processes compete for the cores; record how busy the machine was.
    loadAverage1m: loadavg()[0],
  };
}

/** Writes `bench/results/<name>.json` and says where. */
export function writeResult(name: string, report: unknown): void {
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${file.pathname}`);
}
