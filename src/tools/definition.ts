import { builtinToolDefinition } from './builtin/schemas.js';
import type { ToolSpec } from './spec.js';

/** A function tool as advertised in `session.tools`. */
export interface FunctionToolDefinition {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What the model sees of a declared tool: built-ins bring their own schema; the agent may reword the description. */
export function toolDefinition(spec: ToolSpec): FunctionToolDefinition {
  if (spec.type === 'builtin') {
    const def = builtinToolDefinition(spec.name);
    return spec.description === undefined ? def : { ...def, description: spec.description };
  }
  return { type: 'function', name: spec.name, description: spec.description, parameters: spec.parameters };
}
