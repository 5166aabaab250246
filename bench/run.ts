/**
 * Runs every bench/*.bench.ts (or those whose name contains one of the arguments), each in a
 * fresh Node process so JIT and GC state from one benchmark cannot skew the next.
 *
 * Usage: npm run bench [-- name-filter ...]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmarks match ${filters.join(' ')}`);
  process.exit(1);
}
/** Node flags a benchmark needs beyond tsx (the soak reads memory after a full GC it runs itself). */
const NODE_FLAGS: Record<string, string[]> = {
  'soak.bench.ts': ['--expose-gc', '--disable-warning=ExperimentalWarning'],
};
for (const file of files) {
  console.log(`\n# ${file}\n`);
  const result = spawnSync(process.execPath, [...(NODE_FLAGS[file] ?? []), '--import', 'tsx', `${benchDir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
