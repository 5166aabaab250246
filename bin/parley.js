#!/usr/bin/env node
// Runs the compiled CLI (npm run build) or, in a source checkout, the TypeScript through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(dist)) await import(dist);
else {
  await import('tsx/esm');
  await import(fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)));
}
