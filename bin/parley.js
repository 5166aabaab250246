#!/usr/bin/env node
// In a source checkout (with tsx installed) runs the TypeScript itself, so the command is never
// older than the code; an installed package runs its compiled CLI (npm run build).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const dist = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const hasTsx = (() => {
  try {
    createRequire(import.meta.url).resolve('tsx/esm');
    return true;
  } catch {
    return false;
  }
})();
if (existsSync(src) && hasTsx) {
  await import('tsx/esm');
  await import(src);
} else await import(dist);
