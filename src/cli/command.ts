/** What a CLI command talks through: the terminal, the environment, Ctrl-C. Tests pass their own. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

export function processIO(): CommandIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    interrupted: new Promise((resolve) => process.once('SIGINT', () => resolve())),
  };
}

/** The command line is wrong: said with the usage, exit status 2. */
export class UsageError extends Error {
  readonly code = 'invalid_usage';
}

/**
 * A command's arguments, parsed; or, when they are wrong or ask for `--help`, the exit status
 * after the usage has been printed (2 with the error, 0 for help).
 */
export function parseCommandLine<A extends { help: boolean }>(io: Pick<CommandIO, 'stdout' | 'stderr'>, usage: string, parse: () => A): { args: A } | { exit: number } {
  let args: A;
  try {
    args = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message}\n\n${usage}\n`);
    return { exit: 2 };
  }
  if (args.help) {
    io.stdout(`${usage}\n`);
    return { exit: 0 };
  }
  return { args };
}

/**
 * A numeric option's value (undefined when it was not given). `above` is an exclusive lower
 * bound, `min` an inclusive one; a bad value is a UsageError that names the option.
 */
export function numberOption(name: string, value: string | undefined, range: { min?: number; above?: number; max?: number; integer?: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const { min = -Infinity, above = -Infinity, max = Infinity, integer = false } = range;
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n <= above || n > max || (integer && !Number.isInteger(n))) {
    const bounds = [above > -Infinity ? `> ${above}` : min > -Infinity ? `≥ ${min}` : '', max < Infinity ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`Invalid ${name} "${value}": expected ${integer ? 'a whole number' : 'a number'}${bounds ? ` ${bounds}` : ''}.`);
  }
  return n;
}

/** The server's address (`--url`): an http(s) URL; the WebSocket and other URLs are derived from it. */
export function serverUrlOption(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Invalid --url "${raw}": expected the server's address, e.g. http://localhost:3000.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`Invalid --url "${raw}": use http:// or https:// (the WebSocket address is derived from it).`);
  return url;
}
