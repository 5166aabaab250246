import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { AgentLoadError } from '../../src/agents/errors.js';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary agents folder holding these files (name → text), removed after the test file. */
export function agentsDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-agents-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The smallest valid agent file, plus extra YAML lines. */
export function agentYaml(name: string, ...extra: string[]): string {
  return [`name: ${name}`, 'description: A test agent.', 'instructions: Be brief.', ...extra, ''].join('\n');
}

/** Runs `load`, expects an AgentLoadError and returns it for assertions. */
export async function loadError(load: () => Promise<unknown>): Promise<AgentLoadError> {
  try {
    await load();
  } catch (err) {
    if (err instanceof AgentLoadError) return err;
    throw err;
  }
  throw new Error('expected loading to fail with an AgentLoadError');
}
