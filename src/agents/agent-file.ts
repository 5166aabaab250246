import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { AgentError } from './errors.js';
import { describeIssues } from './issues.js';
import { AgentSchema, type Agent } from './schema.js';

export interface AgentFileChecks {
  /** Where webhook `headersFromEnv` variables are looked up. */
  env: NodeJS.ProcessEnv;
  /** Engine names that exist; when given, an agent naming another is an error. */
  engines?: readonly string[];
}

export interface AgentFileResult {
  agent?: Agent;
  problems: AgentError[];
}

/** Parses and checks one agent file's text; every problem found is returned, none thrown. */
export function parseAgentFile(file: string, text: string, checks: AgentFileChecks): AgentFileResult {
  const problem = (path: string, message: string) => new AgentError('agent_invalid', `${file}: ${path ? `${path}: ` : ''}${message}`, file);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  // Only the first syntax error: the parser's later ones are mostly knock-on effects of it.
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = lineCounter.linePos(syntax.pos[0]);
    return { problems: [new AgentError('agent_invalid', `${file}:${line}:${col}: YAML syntax error: ${syntax.message}`, file)] };
  }
  let data: unknown;
  try {
    data = doc.toJS(); // throws on alias bombs (yaml's maxAliasCount)
  } catch (err) {
    return { problems: [problem('', `cannot be read as YAML: ${(err as Error).message}`)] };
  }
  if (data === null || data === undefined) return { problems: [problem('', 'the file is empty; expected an agent definition (name, description, instructions…)')] };

  if (typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [problem('', `expected a mapping of agent fields (name: …, description: …, instructions: …), found ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`)] };
  }
  const raw = data as Record<string, unknown>;
  const problems: AgentError[] = [];

  const stem = basename(file, extname(file));
  if (typeof raw.name === 'string' && raw.name !== stem) problems.push(problem('name', `"${raw.name}" must equal the file name without extension ("${stem}")`));

  const parsed = AgentSchema.safeParse(data);
  if (!parsed.success) for (const p of describeIssues(parsed.error.issues, AgentSchema, data)) problems.push(problem(p.path, p.message));

  // Checked on the raw data so these show up alongside any schema errors.
  for (const [path, message] of missingHeaderVariables(raw.tools, checks.env)) problems.push(problem(path, message));
  if (checks.engines && typeof raw.engine === 'string' && !checks.engines.includes(raw.engine)) {
    problems.push(problem('engine', `unknown engine "${raw.engine}"; engines: ${checks.engines.join(', ')}`));
  }

  return problems.length === 0 && parsed.success ? { agent: parsed.data, problems } : { problems };
}

/** Webhook header secrets come from the environment; a missing one would fail every call, so fail at start-up. */
function missingHeaderVariables(tools: unknown, env: NodeJS.ProcessEnv): [string, string][] {
  if (!Array.isArray(tools)) return [];
  const missing: [string, string][] = [];
  tools.forEach((tool: unknown, i) => {
    if (typeof tool !== 'object' || tool === null) return;
    const { type, name, headersFromEnv } = tool as Record<string, unknown>;
    if (type !== 'webhook' || typeof headersFromEnv !== 'object' || headersFromEnv === null) return;
    for (const [header, variable] of Object.entries(headersFromEnv)) {
      if (typeof variable === 'string' && !env[variable]) {
        missing.push([`tools.${i}.headersFromEnv.${header}`, `environment variable ${variable} is not set (header ${header} of webhook tool "${String(name)}")`]);
      }
    }
  });
  return missing;
}
