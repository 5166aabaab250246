/**
 * The server under test of bench/twilio-bridge.bench.ts, in a process of its own so its CPU is
 * measured apart from the simulated Twilio side: Parley (its Twilio routes, an agent on the
 * bench engine, an in-memory store, silent logs) or the plain relay. Answers the benchmark over
 * IPC: ready, clock pings, its load over the window, and the engine's frame times.
 *
 * Usage (by the benchmark): fork(this file, ['parley' | 'relay', calls], { serialization: 'advanced' }).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { loadAgents } from '../../src/agents/index.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { EngineRegistry } from '../../src/engines/engine.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/index.js';
import { BenchProbe, benchEngineFactory, EmitClock } from './twilio-bench-engine.js';
import { epochNow, LoadMonitor, toParent, type ParentMessage, type ServerTarget } from './twilio-frames.js';
import { startRelay } from './twilio-relay.js';
// PUBLIC_URL must name the port before Parley starts (Twilio signs that URL).
import { freePort } from '../../test/helpers/server.js';

/** A Twilio Auth Token shape (32 hex): the simulator signs with it, Parley checks it. */
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';

const AGENT_YAML = `name: bench
description: Twilio bridge benchmark agent (no tools, no greeting, no memory).
instructions: Say nothing in particular.
engine: bench
access: public
tools: []
transcription: false
recording: false
memory: { enabled: false }
limits: { maxDurationS: 3600, idleTimeoutMs: 600000 }
`;

async function startParley(probe: BenchProbe, clock: EmitClock): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-agents-'));
  writeFileSync(join(dir, 'bench.yaml'), AGENT_YAML);
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const logger = pino({ level: 'silent' });
  const engines = new EngineRegistry().register(benchEngineFactory(probe, clock));
  const config = ConfigSchema.parse({
    engine: { default: 'bench' },
    agents: { dir, default: 'bench' },
    twilio: { publicUrl, authToken: AUTH_TOKEN },
    server: { host: '127.0.0.1', port },
    limits: { sessionsPerMinutePerIp: 1_000_000, concurrentSessionsPerIp: 1_000_000, messagesPerSecond: 100_000 },
  });
  const agents = await loadAgents(dir, { engines: engines.names() });
  const store = await openStore({ dataDir: 'memory://' });
  const server = await buildServer(config, { engines, logger, agents, store });
  await server.app.listen({ host: '127.0.0.1', port });
  return {
    baseUrl: publicUrl,
    close: async () => {
      await server.shutdown('benchmark finished');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * TWILIO_BENCH_PROFILE=<dir>: a V8 CPU profile of the server over the window only (not start-up
 * or call set-up), for finding per-frame costs. It slows the server a little: not for figures.
 */
async function profileWindow(start: number, end: number, file: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await sleep(Math.max(0, start - epochNow()));
  await session.post('Profiler.start');
  await sleep(Math.max(0, end - epochNow()));
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
}

async function main(): Promise<void> {
  const target = process.argv[2] as ServerTarget;
  if (target !== 'parley' && target !== 'relay') throw new Error(`usage: twilio-server.ts parley|relay (got ${target})`);
  const monitor = new LoadMonitor();
  const probe = new BenchProbe();
  const clock = new EmitClock();
  const server = target === 'parley' ? await startParley(probe, clock) : await startRelay(probe, clock);
  process.on('message', (m: ParentMessage) => {
    switch (m.type) {
      case 'ping':
        return toParent({ type: 'pong', t0: m.t0, t: epochNow() });
      case 'window':
        if (process.env.TWILIO_BENCH_PROFILE) void profileWindow(m.start, m.end, join(process.env.TWILIO_BENCH_PROFILE, `${target}-${process.argv[3] ?? ''}calls-${process.pid}.cpuprofile`));
        return void monitor.window(m.start, m.end).then((stats) => toParent({ type: 'window-stats', stats }));
      case 'collect':
        return toParent({ type: 'server-frames', frames: probe.snapshot() });
      case 'stop':
        // Calls still open are cut; the benchmark has what it needs.
        return void Promise.race([server.close(), new Promise((r) => setTimeout(r, 5000))]).finally(() => process.exit(0));
      default:
    }
  });
  toParent({ type: 'ready', baseUrl: server.baseUrl, authToken: AUTH_TOKEN });
}

main().catch((err: unknown) => {
  toParent({ type: 'failed', error: (err as Error).stack ?? String(err) });
  process.exit(1);
});
