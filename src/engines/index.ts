import type { Logger } from 'pino';
import { echoEngine } from './echo/index.js';
import { EngineRegistry } from './engine.js';
import { createLocalEngine } from './local/index.js';
import type { NetworkProvidersConfig } from './local/network/index.js';
import { createOpenAIEngine, type OpenAIEngineOptions } from './openai/index.js';

/** The engines this build ships; system tools are checked here, once. `openai` only with its options (an API key). */
export async function defaultEngines(logger: Logger, opts: { network?: NetworkProvidersConfig; openai?: OpenAIEngineOptions | null } = {}): Promise<EngineRegistry> {
  const engines = new EngineRegistry().register(echoEngine).register(await createLocalEngine({ logger, ...(opts.network ? { network: opts.network } : {}) }));
  if (opts.openai) engines.register(createOpenAIEngine(opts.openai));
  return engines;
}
