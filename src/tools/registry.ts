import type { BusinessStore } from '../store/types.js';
import { createBuiltinHandlers, SESSION_BUILTINS, type BuiltinHandler } from './builtin/handlers.js';
import { BUILTIN_TOOLS, type BuiltinToolName } from './builtin/schemas.js';
import { toolDefinition, type FunctionToolDefinition } from './definition.js';
import type { ToolSpec } from './spec.js';
import type { ToolHandler } from './types.js';
import { createAjv, jsonSchemaValidator, zodValidator, type ArgumentValidator } from './validate.js';
import { callWebhook, type WebhookOptions } from './webhook.js';

/*
 * An agent's tools, resolved once from its specs: what each advertises in `session.tools`,
 * how its arguments are checked, and what runs it (nothing, for client-side tools).
 */

export type ToolKind = ToolSpec['type'];


export interface RegisteredTool {
  name: string;
  kind: ToolKind;
  definition: FunctionToolDefinition;
  validate: ArgumentValidator;
  /** Absent for client-side tools: the client runs them. */
  execute?: ToolHandler;
  /** Changes something (a booking, a webhook with side effects); read-only tools are false. */
  sideEffects: boolean;
}

export interface ToolRegistryDeps {
  /** Needed by the built-in business tools (all but end_call and transfer_to_human). */
  business?: BusinessStore | null;
  webhook?: WebhookOptions;
}

export class ToolConfigError extends Error {
  constructor(
    readonly code: 'duplicate_tool' | 'invalid_schema' | 'store_required',
    message: string,
  ) {
    super(message);
    this.name = 'ToolConfigError';
  }
}

const READ_ONLY_BUILTINS: ReadonlySet<BuiltinToolName> = new Set<BuiltinToolName>(['check_availability', 'lookup_customer', 'lookup_order']);

export class ToolRegistry {
  private constructor(private readonly tools: ReadonlyMap<string, RegisteredTool>) {}

  /** Resolves `specs` (as parsed by ToolSpecSchema); throws ToolConfigError on a tool that cannot work. */
  static fromSpecs(specs: readonly ToolSpec[], deps: ToolRegistryDeps = {}): ToolRegistry {
    const tools = new Map<string, RegisteredTool>();
    const handlers = createBuiltinHandlers(deps.business ?? null);
    let ajv: ReturnType<typeof createAjv> | null = null;
    for (const spec of specs) {
      if (tools.has(spec.name)) throw new ToolConfigError('duplicate_tool', `tool "${spec.name}" is declared twice; tool names must be unique`);
      if (spec.type === 'builtin') {
        const name = spec.name;
        if (!deps.business && !SESSION_BUILTINS.has(name)) throw new ToolConfigError('store_required', `built-in tool "${name}" needs the business store, and none was given`);
        const handler = handlers[name] as BuiltinHandler<BuiltinToolName>;
        tools.set(name, {
          name,
          kind: 'builtin',
          definition: toolDefinition(spec),
          validate: zodValidator(BUILTIN_TOOLS[name].args),
          // Arguments were validated against this tool's own schema first.
          execute: (args, ctx, call) => handler(args as never, ctx, call),
          sideEffects: !READ_ONLY_BUILTINS.has(name),
        });
        continue;
      }
      ajv ??= createAjv();
      let validate: ArgumentValidator;
      try {
        validate = jsonSchemaValidator(ajv, spec.parameters);
      } catch (e) {
        throw new ToolConfigError('invalid_schema', `tool "${spec.name}" has an invalid parameters schema: ${(e as Error).message}`);
      }
      const definition = toolDefinition(spec);
      if (spec.type === 'client') {
        tools.set(spec.name, { name: spec.name, kind: 'client', definition, validate, sideEffects: true });
        continue;
      }
      tools.set(spec.name, {
        name: spec.name,
        kind: 'webhook',
        definition,
        validate,
        execute: (args, ctx, call) => callWebhook(spec, { callId: call.callId, sessionId: ctx.sessionId, arguments: args, signal: call.signal }, deps.webhook),
        sideEffects: spec.sideEffects,
      });
    }
    return new ToolRegistry(tools);
  }

  get(name: string): RegisteredTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /** For `session.tools`, in declaration order. */
  definitions(): FunctionToolDefinition[] {
    return [...this.tools.values()].map((t) => t.definition);
  }
}
