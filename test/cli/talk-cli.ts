import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * `parley talk` as a child process: `node --import tsx src/cli/main.ts talk …`, what
 * `bin/parley.js` runs in a source checkout (that script prefers a `dist/` build, which could be
 * stale; see test/helpers/parley-process.ts). Not a test file itself (the runner takes *.test.ts).
 */

const ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** The test's own settings must not reach the CLI. */
const INHERITED_NOT = /^(OPENAI_|PARLEY_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|NODE_TEST_CONTEXT$|NO_COLOR$|FORCE_COLOR$)/;

export interface TalkRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout, split into lines. */
  lines: string[];
}

export interface TalkProcess {
  readonly child: ChildProcess;
  /** stdout so far. */
  readonly stdout: () => string;
  /** Resolves with the first stdout line matching `re` (rejects if the process exits first or after `timeoutMs`). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  readonly done: Promise<TalkRun>;
}

export function startTalk(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): TalkProcess {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!INHERITED_NOT.test(k)) env[k] = v;
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'talk', ...args], { cwd: opts.cwd, env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    for (const w of [...watchers]) w();
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<TalkRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr, lines: stdout.split('\n').filter(Boolean) });
      for (const w of [...watchers]) w();
    });
  });
  const waitForLine = (re: RegExp, timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      function check(): void {
        const line = stdout.split('\n').find((l) => re.test(l));
        if (line !== undefined) {
          clearTimeout(timer);
          watchers.delete(check);
          return resolve(line);
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          watchers.delete(check);
          reject(new Error(`parley talk exited (${child.exitCode ?? child.signalCode}) before a line matching ${re}; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      }
      watchers.add(check);
      check();
    });
  return { child, stdout: () => stdout, waitForLine, done };
}

/** Runs `parley talk <args>` to the end. */
export function talk(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<TalkRun> {
  const p = startTalk(args, opts);
  p.child.stdin!.end();
  return p.done;
}
