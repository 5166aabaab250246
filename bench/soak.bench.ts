/**
 * Soak: 2,000 sessions opened and closed on one Parley server. Afterwards its memory must be
 * back near where it was and it must hold nothing more than before — no sockets, timers, child
 * processes or files left behind, no session objects still alive.
 *
 *   callers (forked process, lib/soak-caller.ts)  ⇄  Parley, in this process
 *
 * - The server is built in this process as `parley serve` builds it: the agents of ./agents
 *   (the public demo receptionist is the default), the embedded `local` engine (espeak-ng,
 *   pocketsphinx workers), the REST API, silent logs; rate limits per address lifted (every
 *   caller is 127.0.0.1). So this process can run a full GC (`--expose-gc`: the script
 *   re-executes itself with it) and read its own memory and handles between batches.
 * - Callers run in a child process: their sockets and buffers are not in the readings.
 * - Store: a real PostgreSQL on loopback (test/helpers/postgres.ts) by default, so the 2,000
 *   session records grow the database server, not this process. `SOAK_STORE=pglite-memory`
 *   or `pglite-file` runs the same soak over the embedded PGlite instead (for comparison: the
 *   in-memory one keeps every row inside this process's RSS by design).
 * - Warm-up (SOAK_WARMUP, 100 sessions) so the speech cache, recognition workers and their
 *   decoders, the database pool and the JIT are warm; then the baseline. Then SOAK_SESSIONS
 *   (2,000) in batches of SOAK_EVERY (250), SOAK_CONCURRENCY (32) at a time, each batch
 *   followed by a reading: the curve.
 * - Every reading is taken at a quiet moment: no session registered, every session row in the
 *   database ended (its records flushed), no open session on the callers' side; then GC (4
 *   full collections), SOAK_SETTLE_MS (12 s: longer than pg's 10 s idle-client timeout, so its
 *   pool shrinks the same way every time) and GC again.
 * - Pass: RSS after ≤ 1.10 × baseline; heapUsed after ≤ 1.10 × baseline; active resources by
 *   type and open file descriptors by kind equal to the baseline; no live session-scoped object
 *   (sessions, engines, recorders, sockets…) beyond the baseline's, and no more timer objects
 *   (ref'd or not: an unref'd one is not an active resource); live sessions 0; every session's
 *   row ended; the callers' scenarios all played out.
 *
 * - Once per batch, 15 s in, a reading under load (live sessions, memory, the same object
 *   counts): the counters must see the live sessions' objects, or their zeros would mean nothing.
 *
 * Run: node --import tsx bench/soak.bench.ts        (~9 min; npm run bench -- soak)
 *      SOAK_SESSIONS=500 SOAK_EVERY=100 … for a quick look; SOAK_CONCURRENCY (32);
 *      SOAK_SCENARIOS=close-mid-greeting,text-turn plays only those (to find which one leaks);
 *      SOAK_IDLE_READINGS=n takes n more readings before the baseline with no session between;
 *      SOAK_LOG_LEVEL=error shows the server's errors; SOAK_HEAP_SNAPSHOTS=<dir> writes a heap
 *      snapshot at the baseline and at the end (compare them in Chrome DevTools).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import pino from 'pino';
import WebSocket from 'ws';
import { loadAgents } from '../src/agents/index.js';
import { ConfigSchema } from '../src/config/schema.js';
import { Conversation } from '../src/conversation/conversation.js';
import { ResponseWriter } from '../src/conversation/response-writer.js';
import { defaultEngines } from '../src/engines/index.js';
import { Responder } from '../src/engines/inprocess/responder.js';
import { LocalEngine } from '../src/engines/local/local-engine.js';
import { EspeakProcess } from '../src/engines/local/tts/espeak-process.js';
import { buildServer } from '../src/server/app.js';
import { AgentRuntime } from '../src/session/agent-runtime.js';
import { RealtimeSession } from '../src/session/realtime-session.js';
import { SessionRecorder } from '../src/session/session-recorder.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { ToolRunner } from '../src/tools/runner.js';
import { EventChannel } from '../src/transports/event-channel.js';
import { RealtimeSocket } from '../src/transports/realtime-ws/connection.js';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { activeResources, childProcesses, collect, fileDescriptors, liveObjects, memory, type ProbeReading } from './lib/process-probe.js';
import { environment, writeResult } from './lib/report.js';
import type { RunReport, RunRequest } from './lib/soak-caller.js';
import { missingAudioTools } from './lib/voice-audio.js';

const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 2000);
const WARMUP = Number(process.env.SOAK_WARMUP ?? 100);
const EVERY = Number(process.env.SOAK_EVERY ?? 250);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32);
const SETTLE_MS = Number(process.env.SOAK_SETTLE_MS ?? 12_000);
const STORE = (process.env.SOAK_STORE ?? 'postgres') as 'postgres' | 'pglite-memory' | 'pglite-file';
const SNAPSHOTS = process.env.SOAK_HEAP_SNAPSHOTS;
const IDLE_READINGS = Number(process.env.SOAK_IDLE_READINGS ?? 0);
/** When, into each batch, the reading under load is taken (sessions are then in every phase). */
const LOADED_AFTER_MS = 15_000;
const MAX_GROWTH = 1.1;

/** Classes whose instances live exactly as long as a session (or a connection, a response, a speech run). */
const TIMER_CLASS = (() => {
  const t = setTimeout(() => {}, 0);
  clearTimeout(t);
  return t.constructor as new () => unknown;
})();
const TRACKED = {
  RealtimeSession,
  AgentRuntime,
  LocalEngine,
  Responder,
  ResponseWriter,
  Conversation,
  SessionRecorder,
  ToolRunner,
  EventChannel,
  RealtimeSocket,
  WebSocket,
  'net.Socket': net.Socket,
  EspeakProcess,
  Timeout: TIMER_CLASS,
  AbortController,
} as const;
/** Of those, the ones of which none may be alive when no session is. */
const PER_SESSION = ['RealtimeSession', 'AgentRuntime', 'LocalEngine', 'Responder', 'ResponseWriter', 'Conversation', 'SessionRecorder', 'ToolRunner', 'EventChannel', 'RealtimeSocket', 'WebSocket', 'EspeakProcess'];

// The readings need a full GC on demand: run again with it exposed.
if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', '--disable-warning=ExperimentalWarning', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

interface Batch extends Omit<RunReport, 'type'> {
  phase: 'warm-up' | 'soak';
}

interface Server {
  wsUrl: string;
  port: number;
  sessions: () => number;
  store: Store;
  shutdown: () => Promise<void>;
}

async function startServer(store: Store): Promise<Server> {
  const logger = pino({ level: process.env.SOAK_LOG_LEVEL ?? 'silent' });
  const config = ConfigSchema.parse({
    engine: { default: 'local' },
    server: { host: '127.0.0.1', port: 0 },
    // Every caller is 127.0.0.1: the per-address limits would refuse all but 4 at a time and 20 a minute.
    limits: { sessionsPerMinutePerIp: 1_000_000, concurrentSessionsPerIp: 1_000_000 },
  });
  const engines = await defaultEngines(logger);
  const agents = await loadAgents(fileURLToPath(new URL('../agents', import.meta.url)), { engines: engines.names(), defaultAgent: config.agents.default });
  const server = await buildServer(config, { engines, logger, agents, store });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as net.AddressInfo;
  return { wsUrl: `ws://127.0.0.1:${port}/v1/realtime`, port, sessions: () => server.sessions.size, store, shutdown: () => server.shutdown('benchmark finished') };
}

async function openBenchStore(): Promise<{ store: Store; what: string; dbPort: number | null; dataDir: string | null; close: () => Promise<void> }> {
  if (STORE === 'postgres') {
    const pg: TestPostgres = await startPostgres();
    const url = await pg.newDatabase();
    const store = await openStore({ dataDir: 'memory://', databaseUrl: url });
    return { store, what: `PostgreSQL on loopback (${url.replace(/^postgres:\/\/[^@]*@/, '')})`, dbPort: Number(new URL(url).port), dataDir: null, close: () => pg.stop() };
  }
  const dir = STORE === 'pglite-file' ? mkdtempSync(join(tmpdir(), 'parley-soak-')) : null;
  const store = await openStore({ dataDir: dir ?? 'memory://' });
  return { store, what: dir ? `PGlite in ${dir}` : 'PGlite in memory', dbPort: null, dataDir: dir, close: async () => void (dir && rmSync(dir, { recursive: true, force: true })) };
}

/** The callers' process: one request at a time, answered when every session of it has closed. */
class Callers {
  private constructor(
    private readonly child: ChildProcess,
    private readonly reply: { next: ((m: RunReport | { type: 'error'; message: string }) => void) | null },
  ) {}

  static async start(wsUrl: string): Promise<Callers> {
    const child = fork(fileURLToPath(new URL('./lib/soak-caller.ts', import.meta.url)), [wsUrl], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const reply: { next: ((m: RunReport | { type: 'error'; message: string }) => void) | null } = { next: null };
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the caller process exited (${code}) before it was ready`)));
      child.once('message', () => resolve());
    });
    child.removeAllListeners('exit');
    child.on('message', (m: RunReport | { type: 'error'; message: string }) => reply.next?.(m));
    return new Callers(child, reply);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  run(req: Omit<RunRequest, 'type'>): Promise<RunReport> {
    return new Promise((resolve, reject) => {
      this.reply.next = (m) => {
        this.reply.next = null;
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      };
      this.child.send({ type: 'run', ...req } satisfies RunRequest);
    });
  }

  stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill();
    return exited;
  }
}

/** Until no session is registered and every session row has ended (its records flushed). */
async function quiesce(server: Server, expectedRows: number): Promise<{ waitedMs: number; rows: number; open: number }> {
  const t0 = performance.now();
  for (;;) {
    const { rows } = await server.store.db.query<{ total: number; open: number }>('SELECT count(*)::int8 AS total, count(*) FILTER (WHERE ended_at IS NULL)::int8 AS open FROM sessions');
    const { total, open } = rows[0]!;
    if (server.sessions() === 0 && open === 0 && total >= expectedRows) return { waitedMs: Math.round(performance.now() - t0), rows: total, open };
    if (performance.now() - t0 > 60_000) return { waitedMs: Math.round(performance.now() - t0), rows: total, open };
    await sleep(100);
  }
}

async function reading(server: Server, sessions: number, ports: Record<number, string>, dirs: Record<string, string>, exclude: number[]): Promise<ProbeReading> {
  await collect();
  await sleep(SETTLE_MS);
  await collect();
  const objects = liveObjects(TRACKED);
  return {
    sessions,
    at: new Date().toISOString(),
    memory: memory(),
    activeResources: activeResources(),
    fds: fileDescriptors(ports, dirs),
    objects,
    children: childProcesses(exclude),
  };
}

interface LoadedReading {
  /** Sessions done before this batch. */
  sessions: number;
  liveSessions: number;
  memory: ReturnType<typeof memory>;
  activeResources: Record<string, number>;
  objects: Record<string, number>;
  /** How long the event loop was held for it (each v8.queryObjects walks the heap). */
  tookMs: number;
}

/** Counted under load: one session-scoped class per layer (transport, runtime, engine); each count stalls the server. */
const UNDER_LOAD = { RealtimeSession, LocalEngine, WebSocket } as const;

/** A reading mid-batch, sessions live: no GC beyond the ones v8.queryObjects runs. */
function underLoad(server: Server, sessions: number): LoadedReading {
  const t0 = performance.now();
  const liveSessions = server.sessions();
  const mem = memory();
  const resources = activeResources();
  const objects = liveObjects(UNDER_LOAD);
  return { sessions, liveSessions, memory: mem, activeResources: resources, objects, tookMs: Math.round(performance.now() - t0) };
}

/** Keys whose counts differ between two readings: `{ key: [before, after] }`. */
function differences(a: Record<string, number>, b: Record<string, number>): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if ((a[k] ?? 0) !== (b[k] ?? 0)) out[k] = [a[k] ?? 0, b[k] ?? 0];
  return out;
}

/** Session rows the database holds (outside this process when it is PostgreSQL). */
async function rowCount(store: Store): Promise<number> {
  const { rows } = await store.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM sessions');
  return rows[0]!.n;
}

function printBatch(b: Batch): void {
  const ok = Object.values(b.ok).reduce((s, n) => s + (n ?? 0), 0);
  const failed = Object.values(b.failed).reduce((s, n) => s + (n ?? 0), 0);
  console.log(`  ${b.phase} sessions ${b.from}–${b.from + b.count - 1}: ${ok} ok, ${failed} failed, ${(b.wallMs / 1000).toFixed(1)} s (session p50 ${b.sessionMs.p50} ms, p95 ${b.sessionMs.p95} ms); spoken turns heard exactly ${b.spokenHeardExactly}/${b.spokenTurns}`);
  for (const e of b.errors) console.log(`    ${e}`);
}

function printReading(label: string, r: ProbeReading): void {
  const m = r.memory;
  const live = PER_SESSION.map((k) => r.objects[k] ?? 0).reduce((s, n) => s + n, 0);
  console.log(
    `${label.padEnd(9)} ${String(r.sessions).padStart(5)} | RSS ${m.rssMb.toFixed(1).padStart(6)} MB  heap ${m.heapUsedMb.toFixed(1).padStart(5)} / ${m.heapTotalMb.toFixed(1).padStart(5)} MB  external ${m.externalMb.toFixed(1).padStart(5)} MB  arrayBuffers ${m.arrayBuffersMb.toFixed(1).padStart(5)} MB (anon ${m.rssAnonMb ?? '?'} file ${m.rssFileMb ?? '?'}) | resources ${Object.values(r.activeResources).reduce((s, n) => s + n, 0)} fds ${Object.values(r.fds).reduce((s, n) => s + n, 0)} timers ${r.objects.Timeout ?? 0} session objects ${live} | workers ${r.children.map((c) => c.rssMb.toFixed(0)).join('+')} MB`,
  );
}

async function main(): Promise<void> {
  const missing = missingAudioTools();
  if (missing) throw new Error(`the soak's spoken turns need ${missing}`);
  const benchStarted = Date.now();
  console.log(`store: ${STORE}; ${WARMUP} warm-up sessions, then ${SESSIONS} in batches of ${EVERY}, ${CONCURRENCY} at a time; readings after ${SETTLE_MS / 1000} s of quiet`);
  const db = await openBenchStore();
  const server = await startServer(db.store);
  const callers = await Callers.start(server.wsUrl);
  const ports: Record<number, string> = { [server.port]: 'parley' };
  if (db.dbPort) ports[db.dbPort] = 'postgres';
  const dirs: Record<string, string> = db.dataDir ? { [db.dataDir]: 'the PGlite folder' } : {};
  const exclude = callers.pid ? [callers.pid] : [];
  const batches: Batch[] = [];
  const curve: ProbeReading[] = [];
  const quiet: { sessions: number; waitedMs: number; rows: number; open: number }[] = [];
  const loadedReadings: LoadedReading[] = [];
  let done = 0;
  try {
    // Warm-up: caches, workers' decoders, the pool, the JIT.
    for (let from = 0; from < WARMUP; from += EVERY) {
      const b = await callers.run({ from, count: Math.min(EVERY, WARMUP - from), concurrency: CONCURRENCY });
      batches.push({ ...b, phase: 'warm-up' });
      printBatch(batches.at(-1)!);
    }
    quiet.push({ sessions: 0, ...(await quiesce(server, WARMUP)) });
    let baseline = await reading(server, 0, ports, dirs, exclude);
    // SOAK_IDLE_READINGS=n: n more readings with no session in between (is the quiet process stable?).
    for (let i = 0; i < IDLE_READINGS; i++) {
      printReading('idle', baseline);
      baseline = await reading(server, 0, ports, dirs, exclude);
    }
    curve.push(baseline);
    printReading('baseline', baseline);
    if (SNAPSHOTS) {
      mkdirSync(SNAPSHOTS, { recursive: true });
      console.log(`  heap snapshot ${v8.writeHeapSnapshot(join(SNAPSHOTS, 'soak-baseline.heapsnapshot'))}`);
    }

    while (done < SESSIONS) {
      const count = Math.min(EVERY, SESSIONS - done);
      const running = callers.run({ from: WARMUP + done, count, concurrency: CONCURRENCY });
      running.catch(() => {}); // awaited below; a failure must not be reported as unhandled meanwhile
      // Under load, once per batch: the same counters see the live sessions (they are not blind), and the peak memory.
      const loaded = await sleep(LOADED_AFTER_MS).then(() => underLoad(server, done));
      const b = await running;
      batches.push({ ...b, phase: 'soak' });
      loadedReadings.push(loaded);
      printBatch(batches.at(-1)!);
      console.log(`    under load: ${loaded.liveSessions} live sessions, RSS ${loaded.memory.rssMb} MB, heap ${loaded.memory.heapUsedMb} MB; live ${Object.entries(loaded.objects).map(([k, n]) => `${k} ${n}`).join(', ')} (counted in ${loaded.tookMs} ms)`);
      done += count;
      quiet.push({ sessions: done, ...(await quiesce(server, WARMUP + done)) });
      const r = await reading(server, done, ports, dirs, exclude);
      curve.push(r);
      printReading('after', r);
    }
    if (SNAPSHOTS) console.log(`  heap snapshot ${v8.writeHeapSnapshot(join(SNAPSHOTS, 'soak-after.heapsnapshot'))}`);

    const after = curve.at(-1)!;
    const rows = await rowCount(db.store);
    const soak = batches.filter((b) => b.phase === 'soak');
    const failedSessions = soak.reduce((s, b) => s + Object.values(b.failed).reduce((t, n) => t + (n ?? 0), 0), 0);
    const liveAfter = server.sessions();
    const rssRatio = after.memory.rssMb / baseline.memory.rssMb;
    const heapRatio = after.memory.heapUsedMb / baseline.memory.heapUsedMb;
    const resourcesDiff = differences(baseline.activeResources, after.activeResources);
    const fdsDiff = differences(baseline.fds, after.fds);
    const objectsDiff = differences(Object.fromEntries(PER_SESSION.map((k) => [k, baseline.objects[k] ?? 0])), Object.fromEntries(PER_SESSION.map((k) => [k, after.objects[k] ?? 0])));
    const timersDiff = (after.objects.Timeout ?? 0) - (baseline.objects.Timeout ?? 0);
    const lastQuiet = quiet.at(-1)!;
    // Least-squares slope of RSS and heap over the soak's readings, MB per 1,000 sessions.
    const slope = (pick: (r: ProbeReading) => number): number => {
      const xs = curve.map((r) => r.sessions / 1000);
      const ys = curve.map(pick);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const num = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
      const den = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
      return den === 0 ? 0 : Math.round((num / den) * 100) / 100;
    };
    const checks = {
      [`RSS after ≤ ${MAX_GROWTH} × baseline`]: rssRatio <= MAX_GROWTH,
      [`heapUsed after ≤ ${MAX_GROWTH} × baseline`]: heapRatio <= MAX_GROWTH,
      'active resources by type = baseline': Object.keys(resourcesDiff).length === 0,
      'open file descriptors by kind = baseline': Object.keys(fdsDiff).length === 0,
      'no session-scoped object left alive': Object.keys(objectsDiff).length === 0,
      // Cleared timers still referenced by their owner count too: fewer than at the baseline is fine, more is a leak.
      'timers (ref and unref) ≤ baseline': timersDiff <= 0,
      'live sessions = 0': liveAfter === 0,
      'every session row ended': lastQuiet.open === 0,
      'every scenario played out': failedSessions === 0,
      'the object counters saw the live sessions under load': loadedReadings.length > 0 && loadedReadings.every((r) => r.liveSessions === 0 || ((r.objects.RealtimeSession ?? 0) > 0 && (r.objects.LocalEngine ?? 0) > 0 && (r.objects.WebSocket ?? 0) > 0)),
    };
    const pass = Object.values(checks).every(Boolean);

    console.log(`\nsoak: ${SESSIONS} sessions after a ${WARMUP}-session warm-up (${db.what})`);
    console.log(`  RSS        ${baseline.memory.rssMb} → ${after.memory.rssMb} MB (×${rssRatio.toFixed(3)}); slope ${slope((r) => r.memory.rssMb)} MB per 1,000 sessions`);
    console.log(`  heapUsed   ${baseline.memory.heapUsedMb} → ${after.memory.heapUsedMb} MB (×${heapRatio.toFixed(3)}); slope ${slope((r) => r.memory.heapUsedMb)} MB per 1,000 sessions`);
    console.log(`  external   ${baseline.memory.externalMb} → ${after.memory.externalMb} MB; arrayBuffers ${baseline.memory.arrayBuffersMb} → ${after.memory.arrayBuffersMb} MB`);
    console.log(`  resources  ${JSON.stringify(baseline.activeResources)} → ${JSON.stringify(after.activeResources)}`);
    console.log(`  fds        ${JSON.stringify(baseline.fds)} → ${JSON.stringify(after.fds)}`);
    console.log(`  objects    ${JSON.stringify(baseline.objects)} → ${JSON.stringify(after.objects)}`);
    console.log(`  workers    ${JSON.stringify(baseline.children)} → ${JSON.stringify(after.children)}`);
    console.log(`  sessions in the database: ${rows}; live sessions ${liveAfter}; last wait for quiet ${lastQuiet.waitedMs} ms`);
    for (const [name, ok] of Object.entries(checks)) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
    console.log(`\n${pass ? 'PASS' : 'FAIL'} (${((Date.now() - benchStarted) / 1000).toFixed(0)} s)`);

    writeResult(STORE === 'postgres' ? 'soak' : `soak-${STORE}`, {
      benchmark: 'soak',
      date: new Date().toISOString(),
      environment: environment(),
      method: {
        store: db.what,
        warmupSessions: WARMUP,
        sessions: SESSIONS,
        readingEvery: EVERY,
        concurrency: CONCURRENCY,
        settleMs: SETTLE_MS,
        server: 'in this process: buildServer with ./agents (default agent receptionist, public), engine local (espeak-ng, pocketsphinx workers), REST API, silent logs, per-address session limits lifted',
        callers: 'forked process (bench/lib/soak-caller.ts); scenarios in a fixed cycle of 20, see SCENARIOS there; every 4th session with a caller_id (memory read and written)',
        reading: 'no session registered, every sessions row ended, then 4 × gc() + settle + 4 × gc(); process.memoryUsage, process.getActiveResourcesInfo, /proc/self/fd, v8.queryObjects, /proc of child processes',
      },
      pass,
      checks,
      baseline,
      after,
      ratios: { rss: Math.round(rssRatio * 1000) / 1000, heapUsed: Math.round(heapRatio * 1000) / 1000 },
      slopesMbPer1000Sessions: { rss: slope((r) => r.memory.rssMb), heapUsed: slope((r) => r.memory.heapUsedMb) },
      differences: { activeResources: resourcesDiff, fds: fdsDiff, objects: objectsDiff, timers: timersDiff },
      curve: curve.map((r) => ({ sessions: r.sessions, ...r.memory, resources: Object.values(r.activeResources).reduce((s, n) => s + n, 0), fds: Object.values(r.fds).reduce((s, n) => s + n, 0), timers: r.objects.Timeout ?? 0, workersRssMb: r.children.map((c) => c.rssMb) })),
      quiet,
      underLoad: loadedReadings,
      sessionRows: rows,
      batches,
    });
    if (!pass) process.exitCode = 1;
  } finally {
    await callers.stop();
    await server.shutdown();
    await db.close();
  }
}

await main();
