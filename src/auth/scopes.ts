import { z } from 'zod';
import { AgentNameSchema } from '../agents/schema.js';

const isAgentScope = (v: unknown): boolean => typeof v === 'string' && v.startsWith('agent:') && AgentNameSchema.safeParse(v.slice('agent:'.length)).success;

/**
 * What a key may do. `admin`: everything, the admin API included. `agents:*`: open sessions
 * with any agent. `agent:<name>`: open sessions with that agent only.
 */
export type Scope = 'admin' | 'agents:*' | `agent:${string}`;

const isScope = (v: unknown): boolean => v === 'admin' || v === 'agents:*' || isAgentScope(v);

// One refined string rather than a union, so a bad scope is told what is accepted (a union's
// failure says only "Invalid input"), and JSON Schema still shows a string.
export const ScopeSchema = z
  .string()
  .refine(isScope, { message: 'expected admin, agents:* or agent:<agent name>' })
  .meta({ description: 'admin | agents:* | agent:<agent name>' }) as unknown as z.ZodType<Scope>;

export const ScopesSchema = z.array(ScopeSchema).min(1, 'give a key at least one scope');

export const isAdmin = (scopes: readonly Scope[]): boolean => scopes.includes('admin');

/** Whether these scopes allow sessions with `agent`. */
export const allowsAgent = (scopes: readonly Scope[], agent: string): boolean => scopes.some((s) => s === 'admin' || s === 'agents:*' || s === `agent:${agent}`);
