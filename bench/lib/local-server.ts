import pino from 'pino';
import { ConfigSchema } from '../../src/config/schema.js';
import { defaultEngines } from '../../src/engines/index.js';
import { buildServer } from '../../src/server/app.js';

/** An in-process Parley server with the embedded engine on a free loopback port, silent logs: what the voice benchmarks measure. */
export async function startLocalServer(): Promise<{ url: string; shutdown: () => Promise<void> }> {
  const logger = pino({ level: 'silent' });
  const config = ConfigSchema.parse({ engine: { default: 'local' }, server: { host: '127.0.0.1', port: 0 } });
  const server = await buildServer(config, { engines: await defaultEngines(logger), logger });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/v1/realtime`, shutdown: () => server.shutdown('benchmark finished') };
}
