import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseAgentFile } from './agent-file.js';
import { AgentError, AgentLoadError } from './errors.js';
import { createAgentRegistry, type AgentRegistry } from './registry.js';
import type { Agent } from './schema.js';

export interface LoadAgentsOptions {
  /** Where webhook `headersFromEnv` variables are looked up (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Engine names that exist; when given, an agent naming another is an error. */
  engines?: readonly string[];
  /** The agent sessions get when they name none; when given, it must exist. */
  defaultAgent?: string;
}

const AGENT_FILE = /\.ya?ml$/i;

/**
 * Reads and validates every `*.yaml` / `*.yml` agent in `dir`. Throws one AgentLoadError
 * listing every problem in every file, so start-up fails once with the whole list.
 */
export async function loadAgents(dir: string, opts: LoadAgentsOptions = {}): Promise<AgentRegistry> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${(err as Error).message})`;
    throw new AgentLoadError([new AgentError('agents_dir_missing', `${dir}: the agents folder ${why}; set agents.dir (PARLEY_AGENTS_DIR) to a folder of *.yaml agent definitions`)]);
  }
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && AGENT_FILE.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new AgentLoadError([new AgentError('agents_dir_empty', `${dir}: no agent definitions (*.yaml or *.yml files) in the agents folder`)]);

  const problems: AgentError[] = [];
  const agents = new Map<string, { agent: Agent; file: string }>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push(new AgentError('agent_invalid', `${file}: cannot be read (${(err as Error).message})`, file));
      continue;
    }
    const result = parseAgentFile(file, text, { env: opts.env ?? process.env, engines: opts.engines });
    problems.push(...result.problems);
    if (!result.agent) continue;
    const other = agents.get(result.agent.name);
    if (other) problems.push(new AgentError('agent_duplicate', `${file}: agent "${result.agent.name}" is also defined in ${other.file}; keep one of the two files`, file));
    else agents.set(result.agent.name, { agent: result.agent, file });
  }

  // One number reaches one agent: a call to it could not be routed otherwise.
  const numberOwner = new Map<string, string>();
  for (const { agent, file } of agents.values()) {
    for (const number of agent.phone?.numbers ?? []) {
      const owner = numberOwner.get(number);
      if (owner !== undefined) problems.push(new AgentError('agent_duplicate', `${file}: phone number ${number} also reaches agent "${owner}"; a number routes calls to one agent`, file));
      else numberOwner.set(number, agent.name);
    }
  }

  // A default agent whose file is merely invalid is already reported above.
  const { defaultAgent } = opts;
  if (defaultAgent !== undefined && !names.some((n) => basename(n, extname(n)) === defaultAgent)) {
    problems.push(new AgentError('agent_not_found', `${dir}: the default agent "${defaultAgent}" (agents.default / PARLEY_DEFAULT_AGENT) has no file ${defaultAgent}.yaml; agents: ${[...agents.keys()].join(', ') || 'none'}`));
  }

  if (problems.length > 0) throw new AgentLoadError(problems);
  return createAgentRegistry([...agents.values()].map((a) => a.agent));
}
