import type { EngineFactory } from '../engine.js';
import { InProcessEngine } from '../inprocess/inprocess-engine.js';
import { EchoModel } from './echo-model.js';

/** `echo`: Realtime semantics with a deterministic text model; for protocol work and client testing. */
export const echoEngine: EngineFactory = {
  name: 'echo',
  create: async (ctx) => new InProcessEngine('echo', ctx, new EchoModel()),
};
