import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Parley as a real child process (`parley serve`), for tests that need a second server they can
 * crash: started on a free port (PORT=0; the bound port is read from the "Parley is listening"
 * log line), killed with any signal, started again on the same port.
 *
 * The child runs `src/cli/main.ts` through tsx, not `bin/parley.js`: that script prefers
 * `dist/` whenever it exists, and a `dist/` left from an earlier `npm run build` would put an
 * old build under test. Each child leads its own process group, so a kill reaches what it
 * spawned too (the recognizer worker, esbuild); groups still alive when the test process exits
 * are killed then.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** tsx by absolute URL, so the child may run in any folder. */
const TSX = import.meta.resolve('tsx');
const READY = /^Parley is listening on /;
/** The test's own settings must not leak into the child: its configuration is what the test passes. */
const INHERITED_NOT = /^(OPENAI_|PARLEY_|TWILIO_|OTEL_|PUBLIC_URL$|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|NODE_TEST_CONTEXT$)/;

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ParleyProcessOptions {
  /** Environment of the child on top of the test's own (minus Parley, OpenAI, database and Node test settings); HOST defaults to 127.0.0.1. */
  env?: Record<string, string>;
  /**
   * The child's working folder (default: the checkout). A folder of its own keeps a developer's
   * `.env` and `parley.config.json` out of the test; relative paths in `env` resolve against it.
   */
  cwd?: string;
  /** Listen on this port (overrides PORT in `env`; default: that, else a free one). */
  port?: number;
  /** How long start-up may take until the listening line (default 30 s). */
  readyTimeoutMs?: number;
}

export interface ParleyProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` (the child listens on loopback unless `env` says otherwise). */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/v1/realtime` */
  readonly wsUrl: string;
  /** Every line the child wrote, stdout and stderr, in arrival order. */
  readonly output: string[];
  /** Its stdout lines that are JSON (pino log lines). */
  readonly logs: LogLine[];
  /** Resolves when the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** Sends `signal` (default SIGKILL) to the child's process group; resolves once the child has exited. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a graceful shutdown), SIGKILL after `graceMs`; a no-op once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** A new process with the same environment on the same port (this one must have exited). */
  restart(): Promise<ParleyProcess>;
  /** The first log line (already written or still to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
}

/** Process groups started here and not yet seen to exit. */
const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that ends without its `after` (a crash, a timeout) takes its servers with it.
  process.once('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!INHERITED_NOT.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One run of the `parley` CLI (`parley keys …`, `parley phone …`) as a child process, to its
 * exit, with the test's own Parley, OpenAI and Twilio settings kept out of its environment.
 */
export function runParley(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `parley serve` and resolves once it listens; rejects (the child killed) if it exits or stays silent first. */
export async function startParleyProcess(opts: ParleyProcessOptions = {}): Promise<ParleyProcess> {
  installExitHook();
  const env = { HOST: '127.0.0.1', ...opts.env, PORT: String(opts.port ?? opts.env?.PORT ?? 0) };
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'serve'], { cwd: opts.cwd ?? ROOT, env: childEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start Parley: ${String(await new Promise((resolve) => child.once('error', resolve)))}`);
  live.add(pid);

  const output: string[] = [];
  const logs: LogLine[] = [];
  let wake: (() => void)[] = [];
  const notify = (): void => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      // The group may outlive its leader (a worker still shutting down): make sure it doesn't.
      killGroup(pid, 'SIGKILL');
      live.delete(pid);
      resolve(exitInfo);
      notify();
    });
  });
  // Both pipes are read to the end, always: a child blocked on a full pipe would look hung.
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (stream === child.stdout && line.startsWith('{')) {
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          // Not a log line.
        }
      }
      notify();
    });
  }

  const tail = (): string => output.slice(-20).join('\n');
  const waitForLog = async (match: (line: LogLine) => boolean, what: string, timeoutMs = 10_000): Promise<LogLine> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.find(match);
      if (found) return found;
      if (exitInfo) throw new Error(`Parley (pid ${pid}) exited (${exitInfo.signal ?? `code ${exitInfo.code}`}) before ${what}; its output:\n${tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Parley (pid ${pid}): no ${what} within ${timeoutMs} ms; its output:\n${tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!exitInfo) killGroup(pid, signal);
    return exited;
  };

  let ready: LogLine;
  try {
    ready = await waitForLog((l) => typeof l.msg === 'string' && READY.test(l.msg), 'listening line', opts.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
  const port = Number(ready.port);
  if (!Number.isInteger(port) || port <= 0) {
    await kill('SIGKILL');
    throw new Error(`Parley's listening line has no port: ${JSON.stringify(ready)}`);
  }

  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/realtime`,
    output,
    logs,
    exited,
    get running() {
      return exitInfo === null;
    },
    kill,
    async stop(graceMs = 5000) {
      if (exitInfo) return;
      killGroup(pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    async restart() {
      if (!exitInfo) throw new Error(`Parley (pid ${pid}) is still running; kill it before starting another on port ${port}`);
      return startParleyProcess({ ...opts, port });
    },
    waitForLog,
  };
}
