import { z } from 'zod';
import { BUILTIN_TOOLS, type BuiltinToolName } from './builtin/schemas.js';

/*
 * How an agent declares its tools (one definition, used by the agent loader and the tool
 * registry). A tool is a built-in business tool by name, an HTTP webhook the server calls, or
 * a client-side tool whose calls go to the client exactly as in the plain Realtime API.
 */

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const toolName = z.string().regex(TOOL_NAME, 'letters, digits, _ and -, at most 64 characters');

export const BUILTIN_TOOL_NAMES = Object.keys(BUILTIN_TOOLS) as [BuiltinToolName, ...BuiltinToolName[]];

// The message lists the built-in tools so an operator can fix a typo without opening the docs.
const builtinName = z.enum(BUILTIN_TOOL_NAMES, {
  error: (issue) => `unknown built-in tool ${JSON.stringify(issue.input)}; built-in tools: ${BUILTIN_TOOL_NAMES.join(', ')}`,
});

/** A JSON Schema object for a tool's arguments (checked when the registry compiles it). */
const jsonSchemaObject = z.record(z.string(), z.unknown()).refine((s) => s.type === 'object', { message: 'the parameters schema must have "type": "object"' });

export const BuiltinToolSpecSchema = z.strictObject({
  type: z.literal('builtin').default('builtin'),
  name: builtinName,
  /** Replaces the built-in description the model sees. */
  description: z.string().min(1).optional(),
});

export const WebhookToolSpecSchema = z.strictObject({
  type: z.literal('webhook'),
  name: toolName,
  description: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Header name → environment variable holding its value (secrets stay out of agent files). */
  headersFromEnv: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')).default({}),
  parameters: jsonSchemaObject,
  timeoutMs: z.number().int().min(100).max(600_000).default(5000),
  /** Extra attempts after a network error or a 5xx/429 answer (with backoff); the call id travels as `Idempotency-Key`. */
  retries: z.number().int().min(0).max(5).default(1),
  /** Has side effects: the runner keeps its result by call id and never sends it twice. */
  sideEffects: z.boolean().default(true),
});

export const ClientToolSpecSchema = z.strictObject({
  type: z.literal('client'),
  name: toolName,
  description: z.string().min(1),
  parameters: jsonSchemaObject,
});

const TypedToolSpecSchema = z.discriminatedUnion(
  'type',
  [BuiltinToolSpecSchema.extend({ type: z.literal('builtin') }), WebhookToolSpecSchema, ClientToolSpecSchema],
  {
    // Typed as union issues only, but zod also routes the union's own invalid_type through here.
    error: (issue) => {
      const code: string = issue.code;
      if (code === 'invalid_type') return 'expected a built-in tool name or a tool object';
      return code === 'invalid_union' ? 'type must be "builtin", "webhook" or "client"' : undefined;
    },
  },
);

/*
 * A bare string names a built-in tool, and so does an object without `type` (to override a
 * built-in's description). Normalising first, instead of a union of the shapes, means a
 * mistake gets one precise error (`tools.2.url: …`) rather than zod's "Invalid input" from
 * every branch of a union.
 */
export const ToolSpecSchema = z.preprocess((v) => {
  if (typeof v === 'string') return { type: 'builtin', name: v };
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !('type' in v)) return { type: 'builtin', ...v };
  return v;
}, TypedToolSpecSchema);

export type BuiltinToolSpec = z.infer<typeof BuiltinToolSpecSchema>;
export type WebhookToolSpec = z.infer<typeof WebhookToolSpecSchema>;
export type ClientToolSpec = z.infer<typeof ClientToolSpecSchema>;
export type ToolSpec = z.infer<typeof ToolSpecSchema>;
