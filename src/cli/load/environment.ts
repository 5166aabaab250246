import { availableParallelism, cpus, loadavg } from 'node:os';

export interface Environment {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  loadAverage1m: number | undefined;
}

/** What a measurement depends on beyond the code: recorded with every load report and benchmark. */
export function environment(): Environment {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    // Other processes compete for the cores; record how busy the machine was.
    loadAverage1m: loadavg()[0],
  };
}
