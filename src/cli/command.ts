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
