import { echoEngine } from './echo/index.js';
import { EngineRegistry } from './engine.js';

/** The engines this build ships. */
export function defaultEngines(): EngineRegistry {
  return new EngineRegistry().register(echoEngine);
}
