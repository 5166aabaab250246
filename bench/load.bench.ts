/**
 * Concurrent calls on this machine: `parley load` stepped upward against Parley in its own
 * process, until calls fail or the agent's audio arrives late.
 *
 *   parley load (own process group)  ⇄  Parley (own process group)  [⇄ upstream Parley]
 *
 * Two cases, each on fresh server processes:
 * - `local`: the default agent (the demo receptionist) on the embedded engine — energy VAD,
 *   pocketsphinx, the rule-based brain, espeak-ng — all inside the one Parley.
 * - `passthrough`: the same agent on the `openai` engine (OPENAI_API_KEY / OPENAI_BASE_URL)
 *   whose upstream is a second Parley with PARLEY_AGENTS=off (a bare Realtime model endpoint).
 *   So that the upstream is not what gives out first on the same two cores, its recognizer is a
 *   canned transcription endpoint (PARLEY_STT_URL → a 20-line HTTP server in this process that
 *   answers every utterance with the sentence the callers say): the upstream runs VAD, the
 *   brain and espeak-ng (cached), not pocketsphinx. LOAD_BENCH_UPSTREAM_STT=pocketsphinx keeps
 *   the real recognizer (then it limits the number, as in `local`).
 *
 * Each series (case × transport: WebSocket `/v1/realtime` clients, and phone calls through the
 * Twilio simulator) steps N up. At level N, N callers start evenly over LOAD_BENCH_SPREAD_MS
 * (10 s: ramp = 10 s / N, i.e. N/10 new calls a second), each waits for the greeting, asks
 * "What are your opening hours?" LOAD_BENCH_TURNS times (2) at real-time pace, hears each answer
 * out (5.7 s) and hangs up: a call lasts ~25 s, so from the last arrival on all N are on the line
 * at once. A level passes when no caller failed and the p99 frame lateness is under 20 ms; it is
 * also marked when its voice-to-voice p95 is over twice the series' 1-call baseline. Levels go up
 * until two in a row fail. After a failed level the server processes are started afresh (a
 * backlog must not leak into the next level); a warm-up call precedes the first level on every
 * server (JIT, recognizer workers, espeak cache).
 *
 * CPU of every process group (Parley with its recognizer workers and espeak children, the
 * upstream, the load tool) is read from /proc over each level, and the machine's: work that was
 * none of them is "other load". Before each level the bench waits (up to 3 min) for the machine
 * to be under 20 % busy; a level with more than 25 % of the machine's cores busy with other work
 * is measured again (at most LOAD_BENCH_RETRIES times in all). The load tool runs at nice −10
 * (when permitted): it stands for the callers and the network, which a busy server cannot slow
 * down. Parley's responsiveness is probed with GET /healthz every 100 ms.
 *
 * Run: node --import tsx bench/load.bench.ts       (~40 min; npm run bench -- load)
 *      LOAD_BENCH_CASES=local LOAD_BENCH_TRANSPORTS=ws LOAD_BENCH_LEVELS_LOCAL=1,20,40 … for a quick look.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { setPriority } from 'node:os';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LoadReport } from '../src/cli/load/index.js';
import { summarize, type Summary } from '../src/cli/load/percentiles.js';
import { startParleyProcess, type ParleyProcess } from '../test/helpers/parley-process.js';
import { freePort } from '../test/helpers/server.js';
import { environment, writeResult } from './lib/report.js';

type CaseName = 'local' | 'passthrough';

const env = process.env;
const CASES = (env.LOAD_BENCH_CASES ?? 'local,passthrough').split(',') as CaseName[];
const LEVELS: Record<CaseName, number[]> = {
  local: (env.LOAD_BENCH_LEVELS_LOCAL ?? '1,10,20,30,40,50,60,80,100,120,160,200').split(',').map(Number),
  passthrough: (env.LOAD_BENCH_LEVELS_PASSTHROUGH ?? '1,20,40,60,80,100,125,150,200,250').split(',').map(Number),
};
const TURNS = Number(env.LOAD_BENCH_TURNS ?? 2);
const SPREAD_MS = Number(env.LOAD_BENCH_SPREAD_MS ?? 10_000);
type Transport = 'ws' | 'twilio';
const TRANSPORTS = (env.LOAD_BENCH_TRANSPORTS ?? 'ws,twilio').split(',') as Transport[];
const UPSTREAM_STT = env.LOAD_BENCH_UPSTREAM_STT ?? 'canned';
const SENTENCE = 'What are your opening hours?';
/** The pass criterion: no failed caller, and the agent's audio frames p99 less late than one frame. */
const MAX_LATENESS_P99_MS = 20;
/** Reported beside it: voice-to-voice p95 at most this many times the 1-call baseline's. */
const MAX_V2V_P95_OVER_BASELINE = 2;
/** Two failing levels in a row end a case. */
const STOP_AFTER_FAILURES = 2;
const MAX_OTHER_LOAD_PCT = 25;
let retriesLeft = Number(env.LOAD_BENCH_RETRIES ?? 3);
/** Before each level, wait (up to this long) for the machine to be quiet: under QUIET_BUSY_PCT busy over 10 s, the idle servers included. */
const QUIET_WAIT_S = Number(env.LOAD_BENCH_QUIET_WAIT_S ?? 180);
const QUIET_BUSY_PCT = 20;

const ADMIN_KEY = 'load-bench-admin-key-0123456789';
const UPSTREAM_KEY = 'load-bench-upstream-key-0123456789';
const TWILIO_AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const ENTRY = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const CLK_TCK = 100;

// ---- CPU from /proc ----

/** CPU seconds of one process (its own threads, not its children). */
function processCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process in process group `pgid` (children that exited and were reaped included). */
function groupCpuS(pgid: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone
    }
    // Fields after "(comm) ": state ppid pgrp … utime(14) stime cutime cstime, counting from pid = 1.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) !== pgid) continue;
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / CLK_TCK;
}

/** The machine's busy and total CPU seconds, all cores. */
function machineCpuS(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = n[3]! + n[4]!;
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

/** Waits until the machine is quiet (other people's work: tests, builds); returns how busy it was, % of all cores. */
async function waitForQuiet(): Promise<number> {
  const deadline = Date.now() + QUIET_WAIT_S * 1000;
  for (;;) {
    const a = machineCpuS();
    await sleep(10_000);
    const b = machineCpuS();
    const busy = Math.round(((b.busy - a.busy) / (b.total - a.total)) * 1000) / 10;
    if (busy < QUIET_BUSY_PCT || Date.now() > deadline) return busy;
    console.log(`  the machine is ${busy}% busy with other work: waiting for it to calm down`);
  }
}

// ---- servers ----

/** A canned transcription endpoint: every utterance is heard as SENTENCE. */
async function startCannedStt(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: SENTENCE }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface Servers {
  url: string;
  parley: ParleyProcess;
  upstream?: ParleyProcess;
  stop(): Promise<void>;
}

const COMMON_ENV = {
  PARLEY_DATA_DIR: 'memory://',
  PARLEY_API_KEY: ADMIN_KEY,
  LOG_LEVEL: 'info',
  TWILIO_AUTH_TOKEN,
  // Phone calls all come from this machine's address.
  PARLEY_CONCURRENT_SESSIONS_PER_IP: '100000',
  PARLEY_SESSIONS_PER_MINUTE_PER_IP: '100000',
  PARLEY_MAX_SESSIONS: '100000',
};

async function startServers(name: CaseName, cannedStt: string): Promise<Servers> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  if (name === 'local') {
    const parley = await startParleyProcess({ port, env: { ...COMMON_ENV, PARLEY_ENGINE: 'local', PUBLIC_URL: url } });
    return { url, parley, stop: () => parley.stop() };
  }
  const upstream = await startParleyProcess({
    env: {
      PARLEY_AGENTS: 'off',
      PARLEY_ENGINE: 'local',
      PARLEY_API_KEY: UPSTREAM_KEY,
      PARLEY_DATA_DIR: 'memory://',
      LOG_LEVEL: 'info',
      PARLEY_CONCURRENT_SESSIONS_PER_KEY: '100000',
      PARLEY_MAX_SESSIONS: '100000',
      ...(UPSTREAM_STT === 'canned' ? { PARLEY_STT_URL: cannedStt } : {}),
    },
  });
  const parley = await startParleyProcess({ port, env: { ...COMMON_ENV, PARLEY_ENGINE: 'openai', OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: `${upstream.url}/v1`, PUBLIC_URL: url } });
  return { url, parley, upstream, stop: async () => void (await Promise.all([parley.stop(), upstream.stop()])) };
}

// ---- one `parley load` run ----

interface LoadRun {
  report: LoadReport;
  cpu: {
    /** Parley's process group: the Node process, its recognizer workers and espeak-ng children. */
    parleyPct: number;
    /** Of that, the Node process alone (its event loop and libuv threads). */
    parleyNodePct: number;
    upstreamPct: number | null;
    loadToolPct: number;
    machineBusyPct: number;
    otherLoadPct: number;
  };
  /** GET /healthz round trips every 100 ms during the run, ms: how long Parley's event loop kept a request waiting. */
  healthzMs: Summary | null;
  /** The same for the upstream (pass-through). */
  upstreamHealthzMs: Summary | null;
  /** Server log lines of the run about connections closed for flooding (rate_limited / 1008), and the first of them. */
  floodLines: { parley: number; upstream: number; first: string | null };
  /** The load tool ran at a raised priority (nice −10): it stands for the callers and the network, which the server cannot slow down. */
  loadToolNice: number | null;
}

/** GET /healthz every 100 ms until `stop` resolves: round-trip times, ms. */
async function probeHealth(url: string, stop: Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void stop.then(() => (done = true));
  while (!done) {
    const t = performance.now();
    try {
      await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).text();
      times.push(performance.now() - t);
    } catch {
      times.push(10_000);
    }
    await sleep(100);
  }
  return times;
}

/** `parley load` in its own process group, with the CPU every group used while it ran (% of one core). */
async function runLoad(servers: Servers, transport: Transport, callers: number, turns: number, quiet = false): Promise<LoadRun> {
  const rampMs = callers > 1 ? Math.round(SPREAD_MS / callers) : 0;
  const args = ['load', '--url', servers.url, '--callers', String(callers), '--ramp-ms', String(rampMs), '--turns', String(turns), '--sentence', SENTENCE, '--json'];
  if (transport === 'twilio') args.push('--transport', 'twilio', '--twilio-auth-token', TWILIO_AUTH_TOKEN);
  else args.push('--key', ADMIN_KEY);
  const m0 = machineCpuS();
  const p0 = groupCpuS(servers.parley.pid);
  const n0 = processCpuS(servers.parley.pid);
  const u0 = servers.upstream ? groupCpuS(servers.upstream.pid) : 0;
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let loadToolNice: number | null = -10;
  try {
    setPriority(child.pid!, loadToolNice);
  } catch {
    loadToolNice = null; // not permitted (needs CAP_SYS_NICE): it runs at the same priority as the servers
  }
  let stdout = '';
  let stderr = '';
  let loadCpu = 0;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    if (!quiet) process.stdout.write(c.toString('utf8').replace(/^/gm, '    '));
  });
  // The load tool's CPU is read just before it exits (its group is gone after).
  const sampler = setInterval(() => (loadCpu = Math.max(loadCpu, groupCpuS(child.pid!))), 500);
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const logFrom = { parley: servers.parley.output.length, upstream: servers.upstream?.output.length ?? 0 };
  const health = probeHealth(servers.url, closed);
  const upstreamHealth = servers.upstream ? probeHealth(servers.upstream.url, closed) : Promise.resolve([]);
  const code = await closed;
  clearInterval(sampler);
  const healthTimes = await health;
  const upstreamTimes = await upstreamHealth;
  const flood = (lines: readonly string[]): string[] => lines.filter((l) => /rate_limited|\b1008\b/.test(l));
  const parleyFlood = flood(servers.parley.output.slice(logFrom.parley));
  const upstreamFlood = flood(servers.upstream?.output.slice(logFrom.upstream) ?? []);
  const wallS = (Date.now() - t0) / 1000;
  const m1 = machineCpuS();
  const parleyS = groupCpuS(servers.parley.pid) - p0;
  const nodeS = processCpuS(servers.parley.pid) - n0;
  const upstreamS = servers.upstream ? groupCpuS(servers.upstream.pid) - u0 : null;
  let report: LoadReport;
  try {
    report = JSON.parse(stdout) as LoadReport;
  } catch {
    throw new Error(`parley load (exit ${code}) printed no report:\n${stdout.slice(0, 2000)}\n${stderr.slice(-2000)}`);
  }
  const cores = environment().cores;
  const busyPctOfMachine = ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100;
  const pct = (s: number): number => Math.round((s / wallS) * 1000) / 10;
  const ours = parleyS + (upstreamS ?? 0) + loadCpu;
  const otherS = Math.max(0, ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores * wallS - ours);
  return {
    report,
    healthzMs: summarize(healthTimes),
    upstreamHealthzMs: summarize(upstreamTimes),
    floodLines: { parley: parleyFlood.length, upstream: upstreamFlood.length, first: (parleyFlood[0] ?? upstreamFlood[0] ?? '').slice(0, 400) || null },
    loadToolNice,
    cpu: {
      parleyPct: pct(parleyS),
      parleyNodePct: pct(nodeS),
      upstreamPct: upstreamS === null ? null : pct(upstreamS),
      loadToolPct: pct(loadCpu),
      machineBusyPct: Math.round(busyPctOfMachine * 10) / 10,
      otherLoadPct: Math.round(((otherS / wallS) * 1000) / cores) / 10,
    },
  };
}

// ---- levels ----

interface Level {
  case: CaseName;
  transport: Transport;
  callers: number;
  rampMs: number;
  pass: boolean;
  /** Voice-to-voice p95 within MAX_V2V_P95_OVER_BASELINE × the series' 1-call baseline (null: no baseline). */
  withinLatency: boolean | null;
  /** Why it did not pass; notes on what else went wrong. */
  why: string[];
  outcome: LoadReport['outcome'];
  failures: LoadReport['failures'];
  failureExamples: LoadReport['failureExamples'];
  metrics: LoadReport['metrics'];
  frames: LoadReport['frames'];
  answeredEarly: number;
  answers: LoadReport['answers'];
  generator: LoadReport['generator'];
  cpu: LoadRun['cpu'];
  healthzMs: LoadRun['healthzMs'];
  upstreamHealthzMs: LoadRun['upstreamHealthzMs'];
  floodLines: LoadRun['floodLines'];
  loadToolNice: number | null;
  /** Other load above the limit on earlier attempts, % of the machine. */
  otherLoadRetries: number[];
  durationMs: number;
}

function judge(r: LoadReport): { pass: boolean; why: string[] } {
  const why: string[] = [];
  if (r.outcome.failed > 0) why.push(`${r.outcome.failed} failed (${Object.entries(r.failures).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  if (r.outcome.notStarted > 0 || r.outcome.cut > 0) why.push(`${r.outcome.notStarted + r.outcome.cut} not completed`);
  const late = r.metrics.frameLatenessMs?.p99;
  if (late === undefined) why.push('no agent audio');
  else if (late >= MAX_LATENESS_P99_MS) why.push(`frame lateness p99 ${late} ms`);
  const pass = why.length === 0;
  if (r.generator.overloaded) why.push(`load tool late (send lateness p99 ${r.generator.sendLatenessMs?.p99} ms${r.generator.framesLost ? `, ${r.generator.framesLost} caller frames lost` : ''})`);
  return { pass, why };
}

async function measure(name: CaseName, transport: Transport, servers: Servers, callers: number, baselineP95: number | undefined): Promise<Level> {
  const retries: number[] = [];
  for (;;) {
    const rampMs = callers > 1 ? Math.round(SPREAD_MS / callers) : 0;
    const busyBefore = await waitForQuiet();
    console.log(`${name} (${transport}): ${callers} caller(s), ${rampMs} ms apart (machine ${busyBefore}% busy before)…`);
    const t0 = Date.now();
    const { report, cpu, healthzMs, upstreamHealthzMs, floodLines, loadToolNice } = await runLoad(servers, transport, callers, TURNS);
    const { pass, why } = judge(report);
    const m = report.metrics;
    console.log(
      `  ${pass ? 'PASS' : 'FAIL'}${why.length ? ` (${why.join('; ')})` : ''}: v2v p50 ${m.voiceToVoiceMs?.p50} p99 ${m.voiceToVoiceMs?.p99} ms, lateness p99 ${m.frameLatenessMs?.p99} max ${m.frameLatenessMs?.max} ms; ` +
        `CPU Parley ${cpu.parleyPct}% (node ${cpu.parleyNodePct}%)${cpu.upstreamPct !== null ? ` upstream ${cpu.upstreamPct}%` : ''} load tool ${cpu.loadToolPct}%, other ${cpu.otherLoadPct}% of the machine; /healthz p99 ${healthzMs?.p99} max ${healthzMs?.max} ms${upstreamHealthzMs ? ` (upstream p99 ${upstreamHealthzMs.p99} max ${upstreamHealthzMs.max})` : ''}${floodLines.parley + floodLines.upstream > 0 ? `; flood closes in the logs: ${floodLines.parley} Parley, ${floodLines.upstream} upstream` : ''}`,
    );
    if (cpu.otherLoadPct > MAX_OTHER_LOAD_PCT && retriesLeft > 0) {
      retriesLeft--;
      retries.push(cpu.otherLoadPct);
      console.log(`  other work used ${cpu.otherLoadPct}% of the machine: measuring again`);
      continue;
    }
    const p95 = report.metrics.voiceToVoiceMs?.p95;
    return {
      case: name,
      transport,
      callers,
      rampMs,
      pass,
      withinLatency: baselineP95 === undefined || p95 === undefined ? null : p95 <= MAX_V2V_P95_OVER_BASELINE * baselineP95,
      why,
      outcome: report.outcome,
      failures: report.failures,
      failureExamples: report.failureExamples.slice(0, 3),
      metrics: report.metrics,
      frames: report.frames,
      answeredEarly: report.answeredEarly,
      answers: report.answers,
      generator: report.generator,
      cpu,
      healthzMs,
      upstreamHealthzMs,
      floodLines,
      loadToolNice,
      otherLoadRetries: retries,
      durationMs: Date.now() - t0,
    };
  }
}

async function warm(servers: Servers, transport: Transport): Promise<void> {
  const { report } = await runLoad(servers, transport, 2, 1, true);
  if (report.outcome.failed > 0) throw new Error(`the warm-up calls failed: ${JSON.stringify(report.failureExamples)}`);
}

async function runSeries(name: CaseName, transport: Transport, cannedStt: string): Promise<Level[]> {
  const levels: Level[] = [];
  let servers = await startServers(name, cannedStt);
  let failuresInARow = 0;
  try {
    await warm(servers, transport);
    for (const callers of LEVELS[name]) {
      const baseline = levels.find((l) => l.callers === 1)?.metrics.voiceToVoiceMs?.p95;
      const level = await measure(name, transport, servers, callers, baseline);
      levels.push(level);
      failuresInARow = level.pass ? 0 : failuresInARow + 1;
      if (failuresInARow >= STOP_AFTER_FAILURES) break;
      if (!level.pass) {
        // A saturated server may still be working off its backlog: the next level starts afresh.
        await servers.stop();
        servers = await startServers(name, cannedStt);
        await warm(servers, transport);
      } else await sleep(3000);
    }
  } finally {
    await servers.stop();
  }
  return levels;
}

// ---- report ----

const f = (x: number | undefined | null, w = 7): string => (x === undefined || x === null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1)).padStart(w);
const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100);

function printTable(name: string, levels: Level[]): void {
  console.log(`\n${name}: ms (set-up, voice-to-voice, frame lateness, play-out gaps, load tool send lateness, /healthz round trip); CPU % of one core`);
  const cols: [string, number, (l: Level) => string][] = [
    ['N', 4, (l) => String(l.callers)],
    ['fail', 4, (l) => String(l.outcome.failed)],
    ['set50', 6, (l) => f(l.metrics.setupMs?.p50, 6)],
    ['set99', 6, (l) => f(l.metrics.setupMs?.p99, 6)],
    ['v2v50', 6, (l) => f(l.metrics.voiceToVoiceMs?.p50, 6)],
    ['v2v95', 6, (l) => f(l.metrics.voiceToVoiceMs?.p95, 6)],
    ['v2v99', 6, (l) => f(l.metrics.voiceToVoiceMs?.p99, 6)],
    ['×1', 5, (l) => f(ratio(l.metrics.voiceToVoiceMs?.p50, levels.find((b) => b.callers === 1)?.metrics.voiceToVoiceMs?.p50), 5)],
    ['late50', 6, (l) => f(l.metrics.frameLatenessMs?.p50, 6)],
    ['late99', 6, (l) => f(l.metrics.frameLatenessMs?.p99, 6)],
    ['lateMx', 6, (l) => f(l.metrics.frameLatenessMs?.max, 6)],
    ['gaps', 5, (l) => String(l.frames.gaps)],
    ['send99', 6, (l) => f(l.metrics.sendLatenessMs?.p99, 6)],
    ['hz99', 5, (l) => f(l.healthzMs?.p99, 5)],
    ['Parley', 6, (l) => f(l.cpu.parleyPct, 6)],
    ['node', 5, (l) => f(l.cpu.parleyNodePct, 5)],
    ['up', 5, (l) => f(l.cpu.upstreamPct, 5)],
    ['tool', 5, (l) => f(l.cpu.loadToolPct, 5)],
    ['other', 5, (l) => f(l.cpu.otherLoadPct, 5)],
  ];
  console.log(`${cols.map(([h, w]) => h.padStart(w)).join(' ')} | result`);
  for (const l of levels) {
    const verdict = `${l.pass ? 'pass' : 'FAIL'}${l.withinLatency === false ? ' (v2v p95 > 2× baseline)' : ''}${l.why.length ? `: ${l.why.join('; ')}` : ''}`;
    console.log(`${cols.map(([, w, v]) => v(l).padStart(w)).join(' ')} | ${verdict}`);
  }
}

/** The largest N that met `ok` with every smaller level meeting it too. */
function maxPassing(levels: Level[], ok: (l: Level) => boolean = (l) => l.pass): number | null {
  let max: number | null = null;
  for (const l of levels) {
    if (!ok(l)) break;
    max = l.callers;
  }
  return max;
}

async function main(): Promise<void> {
  const started = Date.now();
  const stt = await startCannedStt();
  const results: Record<string, Level[]> = {};
  try {
    for (const name of CASES) {
      for (const transport of TRANSPORTS) {
        const series = `${name}/${transport}`;
        results[series] = await runSeries(name, transport, stt.url);
        printTable(series, results[series]);
      }
    }
  } finally {
    await stt.close();
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, levels]) => {
      const max = maxPassing(levels);
      const beyond = levels.find((l) => !l.pass);
      const base = levels.find((l) => l.callers === 1);
      const at = levels.find((l) => l.callers === max);
      const slow = levels.find((l) => l.withinLatency === false);
      return [
        name,
        {
          maxCallers: max,
          firstFailing: beyond ? { callers: beyond.callers, why: beyond.why } : null,
          maxCallersWithinLatency: maxPassing(levels, (l) => l.pass && l.withinLatency !== false),
          firstOverLatency: slow ? { callers: slow.callers, voiceToVoiceMs: slow.metrics.voiceToVoiceMs } : null,
          voiceToVoiceP50AtMaxOverBaseline: ratio(at?.metrics.voiceToVoiceMs?.p50, base?.metrics.voiceToVoiceMs?.p50),
          voiceToVoiceP99AtMaxOverBaseline: ratio(at?.metrics.voiceToVoiceMs?.p99, base?.metrics.voiceToVoiceMs?.p99),
        },
      ];
    }),
  );
  console.log(`\n${JSON.stringify(summary, null, 2)}`);
  if (stt.requests() > 0) console.log(`canned transcription requests: ${stt.requests()}`);
  const disturbed = Object.values(results)
    .flat()
    .filter((l) => l.cpu.otherLoadPct > MAX_OTHER_LOAD_PCT);
  if (disturbed.length > 0) console.log(`NOTE: other work used over ${MAX_OTHER_LOAD_PCT}% of the machine during ${disturbed.map((l) => `${l.case}/${l.transport}@${l.callers}`).join(', ')}: those figures are disturbed`);
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  writeResult('load', {
    benchmark: 'load',
    date: new Date().toISOString(),
    environment: environment(),
    method: {
      tool: 'parley load (src/cli/load), in its own process; servers started with `parley serve` (test/helpers/parley-process.ts), each in its own process group',
      transports: TRANSPORTS,
      turns: TURNS,
      sentence: SENTENCE,
      arrivals: `N callers start evenly over ${SPREAD_MS} ms (ramp ${SPREAD_MS} / N ms); each call lasts ~25 s, so all N overlap`,
      pass: `no failed caller and frame lateness p99 < ${MAX_LATENESS_P99_MS} ms`,
      withinLatency: `also voice-to-voice p95 ≤ ${MAX_V2V_P95_OVER_BASELINE} × the 1-call baseline's p95 of the same series`,
      passthroughUpstream: UPSTREAM_STT === 'canned' ? 'second Parley, PARLEY_AGENTS=off, local engine with PARLEY_STT_URL → canned transcription server (every utterance heard as the sentence): VAD + brain + espeak-ng (cached), no pocketsphinx' : 'second Parley, PARLEY_AGENTS=off, local engine with pocketsphinx',
      cpu: '/proc/<pid>/stat utime+stime+cutime+cstime summed over each process group, over the load run ÷ wall time (% of one core); machine from /proc/stat; other = machine busy − the groups',
      otherLoad: `a level with other work above ${MAX_OTHER_LOAD_PCT}% of the machine is measured again (retries left at the end: ${retriesLeft})`,
    },
    summary,
    results,
  });
}

await main();
