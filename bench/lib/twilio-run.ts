/**
 * One run of bench/twilio-bridge.bench.ts: a fresh server process (Parley or the relay), fresh
 * simulated-Twilio driver processes, N calls, a warm-up, a measurement window, then every
 * tagged frame matched across processes by its tag.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { epochNow, percentiles, type ChildMessage, type DriverFrames, type FrameRecord, type ParentMessage, type Percentiles, type ServerFrames, type ServerTarget, type WindowStats } from './twilio-frames.js';

export interface RunOptions {
  target: ServerTarget;
  calls: number;
  drivers: number;
  warmupMs: number;
  windowMs: number;
  /** After the window, for frames still in flight to land before the records are collected. */
  graceMs: number;
}

export interface Direction {
  /** Per-frame latency over the frames sent in the window, ms. */
  latencyMs: Percentiles | null;
  /** Tagged frames sent in the window. */
  framesInWindow: number;
  /** Of the frames sent from the start up to the end of the window: never received (within the grace time). */
  missing: number;
  /** Received twice, received after a later frame, or received without having been sent. */
  duplicated: number;
  reordered: number;
  unexpected: number;
  /** Frames sent from the start up to the end of the window. */
  framesChecked: number;
}

export interface RunResult {
  target: ServerTarget;
  calls: number;
  /** Calls whose stream started (the others were refused or timed out during set-up). */
  callsConnected: number;
  setupFailures: { count: number; first: string | null };
  driverProcesses: number;
  setupMs: number;
  inbound: Direction;
  outbound: Direction;
  server: WindowStats & {
    cpuPerCallPct: number;
    /** Server CPU per frame carried (caller frames in + agent frames out in the window), µs. */
    cpuUsPerFrame: number;
  };
  drivers: Array<WindowStats & { framesLostInWindow: number }>;
  /** Busy share of all cores over the window, every process on the machine included, %. */
  machineBusyPct: number;
  /** Of that, what the server and driver processes did not account for (other work on the machine), % of all cores. */
  otherLoadPct: number;
  /** Each child's clock minus ours (best of 10 IPC round trips), ms: how far cross-process times can be off. */
  clockOffsetsMs: number[];
  engineSkippedFrames: number;
  untaggedAppendsAfterStart: number;
  simulatorFramesLost: number;
  simulatorErrors: { count: number; first: string[] };
}

class Child {
  private readonly got: ChildMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private dead: Error | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: ChildMessage) => {
      this.got.push(m);
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) =>
      proc.on('exit', (code) => {
        this.dead = new Error(`${name} exited (code ${code})`);
        for (const w of this.waiters) w();
        resolve();
      }),
    );
  }

  send(m: ParentMessage): void {
    this.proc.send(m);
  }

  /** The next message of this type (a `failed` one, or the process dying, rejects). */
  next<T extends ChildMessage['type']>(type: T, timeoutMs = 120_000): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const failed = this.got.find((m) => m.type === 'failed');
        const i = this.got.findIndex((m) => m.type === type);
        if (failed?.type === 'failed' || (i < 0 && this.dead)) return done(() => reject(new Error(`${this.name}: ${failed?.type === 'failed' ? failed.error : this.dead!.message}`)));
        if (i >= 0) return done(() => resolve(this.got.splice(i, 1)[0] as Extract<ChildMessage, { type: T }>));
      };
      const done = (then: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        then();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`))), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Asks it to stop; kills it (this process's own child, by its pid) if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.proc.exitCode === null && this.proc.connected) this.send({ type: 'stop' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

function spawn(name: string, file: string, args: string[] = []): Child {
  const path = fileURLToPath(new URL(file, import.meta.url));
  return new Child(name, fork(path, args, { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' }));
}

/** The child's clock minus ours, from the round trip with the least delay. */
async function clockOffset(child: Child): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 10; i++) {
    const t0 = epochNow();
    child.send({ type: 'ping', t0 });
    const pong = await child.next('pong', 10_000);
    const t1 = epochNow();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: pong.t - (t0 + t1) / 2 };
  }
  return Math.round(best.offset * 1000) / 1000;
}

function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const all = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += all;
    busy += all - c.times.idle;
  }
  return { busy, total };
}

/** Matches the frames sent on one side with those received on the other, by stream and counter. */
function match(sent: Map<number, FrameRecord>, received: Map<number, FrameRecord>, start: number, end: number): Direction {
  const lat: number[] = [];
  const d: Direction = { latencyMs: null, framesInWindow: 0, missing: 0, duplicated: 0, reordered: 0, unexpected: 0, framesChecked: 0 };
  for (const [stream, s] of sent) {
    const r = received.get(stream);
    for (let k = 0; k < s.times.length; k++) {
      const ts = s.times[k]!;
      if (Number.isNaN(ts) || ts > end) continue;
      d.framesChecked++;
      const tr = r?.times[k] ?? NaN;
      if (Number.isNaN(tr)) d.missing++;
      if (ts < start) continue;
      d.framesInWindow++;
      if (!Number.isNaN(tr)) lat.push(tr - ts);
    }
  }
  for (const [stream, r] of received) {
    d.duplicated += r.dup;
    d.reordered += r.reordered;
    const s = sent.get(stream);
    for (let k = 0; k < r.times.length; k++) if (r.times[k]! <= end && Number.isNaN(s?.times[k] ?? NaN)) d.unexpected++;
  }
  d.latencyMs = percentiles(lat);
  return d;
}

function merge<T>(maps: Array<Map<number, T>>): Map<number, T> {
  const out = new Map<number, T>();
  for (const m of maps) for (const [k, v] of m) out.set(k, v);
  return out;
}

export async function run(opts: RunOptions): Promise<RunResult> {
  const server = spawn(`${opts.target} server`, './twilio-server.ts', [opts.target, String(opts.calls)]);
  const drivers: Child[] = [];
  try {
    const ready = await server.next('ready');
    for (let i = 0; i < opts.drivers; i++) drivers.push(spawn(`driver ${i + 1}`, './twilio-driver.ts'));
    await Promise.all(drivers.map((d) => d.next('loaded')));
    // Clocks are compared while the processes are idle: a busy loop would delay the answers.
    const offsets: number[] = [];
    for (const c of [server, ...drivers]) offsets.push(await clockOffset(c));
    const per = Math.ceil(opts.calls / opts.drivers);
    drivers.forEach((d, i) => d.send({ type: 'start-calls', baseUrl: ready.baseUrl, authToken: ready.authToken, first: i * per, count: Math.min(per, opts.calls - i * per) }));
    const connected = await Promise.all(drivers.map((d) => d.next('connected', 300_000)));
    const setupMs = Math.max(...connected.map((c) => c.setupMs));
    const callsConnected = connected.reduce((s, c) => s + c.calls, 0);
    if (callsConnected === 0) throw new Error(`no call could be set up: ${connected.find((c) => c.firstError)?.firstError}`);

    const start = epochNow() + opts.warmupMs;
    const end = start + opts.windowMs;
    for (const c of [server, ...drivers]) c.send({ type: 'window', start, end });
    await sleep(start - epochNow());
    const m0 = machineTimes();
    await sleep(end - epochNow());
    const m1 = machineTimes();
    const serverStats = (await server.next('window-stats', 60_000)).stats;
    const driverStats = await Promise.all(drivers.map((d) => d.next('window-stats', 60_000)));
    await sleep(Math.max(0, end + opts.graceMs - epochNow()));

    for (const c of [server, ...drivers]) c.send({ type: 'collect' });
    const sf: ServerFrames = (await server.next('server-frames', 60_000)).frames;
    const df: DriverFrames[] = (await Promise.all(drivers.map((d) => d.next('driver-frames', 60_000)))).map((m) => m.frames);

    const errors = df.flatMap((f) => f.errors);
    const inbound = match(merge(df.map((f) => f.inSent)), sf.inArrive, start, end);
    const outbound = match(sf.outEmit, merge(df.map((f) => f.outRecv)), start, end);
    const cpuUs = (serverStats.cpuPct / 100) * opts.windowMs * 1000;
    const machineBusyPct = Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 1000) / 10;
    const ours = (serverStats.cpuPct + driverStats.reduce((s, d) => s + d.stats.cpuPct, 0)) / cpus().length;
    return {
      target: opts.target,
      calls: opts.calls,
      callsConnected,
      setupFailures: { count: connected.reduce((s, c) => s + c.failed, 0), first: connected.find((c) => c.firstError)?.firstError ?? null },
      driverProcesses: opts.drivers,
      setupMs,
      inbound,
      outbound,
      server: { ...serverStats, cpuPerCallPct: Math.round((serverStats.cpuPct / callsConnected) * 1000) / 1000, cpuUsPerFrame: Math.round((cpuUs / (inbound.framesInWindow + outbound.framesInWindow)) * 10) / 10 },
      drivers: driverStats.map((m) => ({ ...m.stats, framesLostInWindow: m.framesLostInWindow ?? 0 })),
      machineBusyPct,
      otherLoadPct: Math.max(0, Math.round((machineBusyPct - ours) * 10) / 10),
      clockOffsetsMs: offsets,
      engineSkippedFrames: sf.outSkipped,
      untaggedAppendsAfterStart: sf.untaggedAfterStart,
      simulatorFramesLost: df.reduce((s, f) => s + f.framesLost, 0),
      simulatorErrors: { count: df.reduce((s, f) => s + f.errorCount, 0), first: errors.slice(0, 5) },
    };
  } finally {
    await Promise.all(drivers.map((d) => d.stop()));
    await server.stop();
  }
}
