import { z } from 'zod';
import { strictObject, type ObjectCtor } from './common.js';

/**
 * A function the model may call. The SDK types every field optional (`RealtimeFunctionTool`,
 * OpenAPI codegen); Parley requires `type` and `name` — a nameless tool can't be called.
 * `parameters` is a JSON Schema object (the SDK says `unknown`).
 */
export const functionTool = (obj: ObjectCtor) =>
  obj({
    type: z.literal('function'),
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  });

/**
 * Remote MCP server tool. Parley doesn't run MCP itself; the shape mirrors the SDK so
 * SDK-built configs parse and can be passed through or rejected by the engine.
 */
export const mcpTool = (obj: ObjectCtor) => {
  const filter = obj({ read_only: z.boolean().optional(), tool_names: z.array(z.string()).optional() });
  return obj({
    type: z.literal('mcp'),
    server_label: z.string().min(1),
    server_url: z.string().optional(),
    server_description: z.string().optional(),
    connector_id: z
      .enum([
        'connector_dropbox',
        'connector_gmail',
        'connector_googlecalendar',
        'connector_googledrive',
        'connector_microsoftteams',
        'connector_outlookcalendar',
        'connector_outlookemail',
        'connector_sharepoint',
      ])
      .optional(),
    authorization: z.string().optional(),
    headers: z.record(z.string(), z.string()).nullable().optional(),
    allowed_tools: z.union([z.array(z.string()), filter]).nullable().optional(),
    allowed_callers: z.array(z.enum(['direct', 'programmatic'])).nullable().optional(),
    require_approval: z
      .union([z.enum(['always', 'never']), obj({ always: filter.optional(), never: filter.optional() })])
      .nullable()
      .optional(),
    defer_loading: z.boolean().optional(),
    tunnel_id: z.string().optional(),
  });
};

export const tool = (obj: ObjectCtor) => z.discriminatedUnion('type', [functionTool(obj), mcpTool(obj)]);

/** `"auto" | "none" | "required"`, or force one function / MCP tool. */
export const toolChoice = (obj: ObjectCtor) =>
  z.union([
    z.enum(['auto', 'none', 'required']),
    obj({ type: z.literal('function'), name: z.string().min(1) }),
    obj({ type: z.literal('mcp'), server_label: z.string().min(1), name: z.string().nullable().optional() }),
  ]);

export const FunctionToolSchema = functionTool(strictObject);
export const McpToolSchema = mcpTool(strictObject);
export const ToolSchema = tool(strictObject);
export const ToolChoiceSchema = toolChoice(strictObject);

export type FunctionTool = z.infer<typeof FunctionToolSchema>;
export type McpTool = z.infer<typeof McpToolSchema>;
export type Tool = z.infer<typeof ToolSchema>;
export type ToolChoice = z.infer<typeof ToolChoiceSchema>;
