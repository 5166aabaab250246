import type { Logger } from 'pino';
import { echoEngine } from './echo/index.js';
import { EngineRegistry } from './engine.js';
import { createLocalEngine } from './local/index.js';
import type { NetworkProvidersConfig } from './local/network/index.js';

/** The engines this build ships; system tools are checked here, once. */
export async function defaultEngines(logger: Logger, opts: { network?: NetworkProvidersConfig } = {}): Promise<EngineRegistry> {
  return new EngineRegistry().register(echoEngine).register(await createLocalEngine({ logger, ...(opts.network ? { network: opts.network } : {}) }));
}
