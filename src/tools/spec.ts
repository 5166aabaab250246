import { z } from 'zod';
import { BUILTIN_TOOLS } from './builtin/schemas.js';

/*
 * How an agent declares its tools (one definition, used by the agent loader and the tool
 * registry). A tool is a built-in business tool by name, an HTTP webhook the server calls, or
 * a client-side tool whose calls go to the client exactly as in the plain Realtime API.
 */

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const toolName = z.string().regex(TOOL_NAME, 'letters, digits, _ and -, at most 64 characters');

/** A JSON Schema object for a tool's arguments (checked when the registry compiles it). */
const jsonSchemaObject = z.record(z.string(), z.unknown()).refine((s) => s.type === 'object', { message: 'the parameters schema must have "type": "object"' });

export const BuiltinToolSpecSchema = z.strictObject({
  type: z.literal('builtin').default('builtin'),
  name: z.enum(Object.keys(BUILTIN_TOOLS) as [keyof typeof BUILTIN_TOOLS, ...(keyof typeof BUILTIN_TOOLS)[]]),
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

export const ToolSpecSchema = z.union([
  // A bare string names a built-in tool.
  z.string().transform((name, ctx) => {
    const r = BuiltinToolSpecSchema.safeParse({ name });
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: `unknown built-in tool "${name}"; built-in tools: ${Object.keys(BUILTIN_TOOLS).join(', ')}` });
      return z.NEVER;
    }
    return r.data;
  }),
  z.discriminatedUnion('type', [BuiltinToolSpecSchema.extend({ type: z.literal('builtin') }), WebhookToolSpecSchema, ClientToolSpecSchema]),
]);

export type BuiltinToolSpec = z.infer<typeof BuiltinToolSpecSchema>;
export type WebhookToolSpec = z.infer<typeof WebhookToolSpecSchema>;
export type ClientToolSpec = z.infer<typeof ClientToolSpecSchema>;
export type ToolSpec = z.infer<typeof ToolSpecSchema>;
