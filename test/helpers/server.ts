import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import type { EngineRegistry } from '../../src/engines/engine.js';
import { defaultEngines } from '../../src/engines/index.js';
import { buildServer, type ParleyServer } from '../../src/server/app.js';
import { loadAgents } from '../../src/agents/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface TestServer {
  server: ParleyServer;
  url: string;
  wsUrl: string;
  config: Config;
  close(): Promise<void>;
}

export interface TestServerOptions {
  tls?: { certFile: string; keyFile: string };
  /** Run agents from this folder, over `store` (default: a fresh in-memory PGlite store). */
  agentsDir?: string;
  store?: Store;
  /** Serve these engines instead of `defaultEngines` (e.g. an `openai` engine pointed at another Parley); closed with the server. */
  engines?: EngineRegistry;
  /** Listen on this port instead of a free one (a URL that must be known before start, like PUBLIC_URL). */
  port?: number;
}

/** A Parley server on a free loopback port with the echo engine and silent logs. */
export async function startTestServer(overrides: Record<string, unknown> = {}, opts: TestServerOptions = {}): Promise<TestServer> {
  const tls = opts.tls ? { tlsCertFile: opts.tls.certFile, tlsKeyFile: opts.tls.keyFile } : {};
  // Every test talks from 127.0.0.1, and many send audio faster than real time: those limits are lifted unless a test sets them.
  const limits = { sessionsPerMinutePerIp: 1_000_000, concurrentSessionsPerIp: 1_000_000, messagesPerSecond: 100_000, ...(overrides.limits as object | undefined) };
  const config = ConfigSchema.parse({ engine: { default: 'echo' }, ...overrides, limits, server: { ...(overrides.server as object | undefined), host: '127.0.0.1', port: 0, ...tls } });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const engines = opts.engines ?? (await defaultEngines(logger));
  const withAgents = opts.agentsDir
    ? { agents: await loadAgents(opts.agentsDir, { engines: engines.names() }), store: opts.store ?? (await openStore({ dataDir: 'memory://' })) }
    : {};
  // A refused start must not leave the engines' worker processes behind.
  const server = await buildServer(config, { engines, logger, ...withAgents }).catch(async (err: unknown) => {
    await engines.close();
    throw err;
  });
  await server.app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const { port } = server.app.server.address() as AddressInfo;
  return {
    server,
    config,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    wsUrl: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/v1/realtime`,
    close: () => server.shutdown('test finished'),
  };
}

/** A free loopback TCP port (for a server whose URL must be configured before it starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
