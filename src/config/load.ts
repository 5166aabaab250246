import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { CONFIG_FILE_ENV, CONFIG_KEYS, ConfigSchema, DEFAULT_CONFIG_FILE, type Config } from './schema.js';

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Tree;
  node[keys[keys.length - 1] as string] = value;
}

function getPath(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const k of path) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[k] : undefined;
  return node;
}

function readFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}. Fix ${CONFIG_FILE_ENV} or create the file.`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed as Tree;
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(err as Error).message}.`);
  }
}

/**
 * Builds the configuration: defaults < config file < environment. A bad
 * value throws a ConfigError naming the variable (or file key) and what it accepts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const explicit = env[CONFIG_FILE_ENV];
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  const tree: Tree = explicit || existsSync(file) ? readFile(file) : {};
  const fromEnv = new Map<string, string>();
  for (const key of CONFIG_KEYS) {
    const v = env[key.env];
    if (v !== undefined && v !== '') {
      setPath(tree, key.path, v);
      fromEnv.set(key.path, key.env);
    }
  }
  // With an OpenAI key, agents run on OpenAI unless an engine is chosen explicitly.
  if (env.OPENAI_API_KEY && getPath(tree, ['engine', 'default']) === undefined) setPath(tree, 'engine.default', 'openai');
  const parsed = ConfigSchema.safeParse(tree);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => [...issue.path, k].join('.')).join(', ')} in ${file}; known keys: ${CONFIG_KEYS.map((k) => k.path).join(', ')}`;
    const path = issue.path.join('.');
    // A list item's issue (`webrtc.iceServers.0`) is named by the variable that set the list.
    const envPath = [...fromEnv.keys()].find((p) => path === p || path.startsWith(`${p}.`));
    const source = envPath !== undefined ? fromEnv.get(envPath)! : `${path} in ${file}`;
    const value = envPath !== undefined ? getPath(tree, envPath.split('.')) : getPath(tree, issue.path);
    return `${source} = ${JSON.stringify(value)}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  - ${lines.join('\n  - ')}`);
}

