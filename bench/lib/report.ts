import { mkdirSync, writeFileSync } from 'node:fs';

/** What a result depends on beyond the code: recorded with every benchmark's figures (shared with `parley load`). */
export { environment } from '../../src/cli/load/environment.js';

/** Writes `bench/results/<name>.json` and says where. */
export function writeResult(name: string, report: unknown): void {
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${file.pathname}`);
}
