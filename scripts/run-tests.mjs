#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// Node 20 has no glob support in `--test`, so the files are listed here.
// Usage: node scripts/run-tests.mjs [path-filter ...]
//
// Files whose first lines say `test-runner: alone` measure what the machine can do (a hundred
// calls at once on two cores); run beside another file they would measure a share of it. They
// run after the others, one at a time.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const alone = (f) => readFileSync(f, 'utf8').slice(0, 1000).includes('test-runner: alone');
const run = (list, concurrency) => {
  if (list.length === 0) return 0;
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...list];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
};
const shared = run(files.filter((f) => !alone(f)), process.env.TEST_CONCURRENCY ?? 2);
const exclusive = run(files.filter(alone), 1);
process.exit(shared || exclusive);
