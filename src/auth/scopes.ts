import { z } from 'zod';
import { AgentNameSchema } from '../agents/schema.js';

const isAgentScope = (v: unknown): boolean => typeof v === 'string' && v.startsWith('agent:') && AgentNameSchema.safeParse(v.slice('agent:'.length)).success;

/**
 * What a key may do. `admin`: everything, the admin API included. `agents:*`: open sessions
 * with any agent. `agent:<name>`: open sessions with that agent only.
 */
export const ScopeSchema = z.union([
  z.literal('admin'),
  z.literal('agents:*'),
  z.custom<`agent:${string}`>(isAgentScope, { message: 'expected admin, agents:* or agent:<agent name>' }),
]);

export type Scope = z.infer<typeof ScopeSchema>;

export const ScopesSchema = z.array(ScopeSchema).min(1, 'give a key at least one scope');

export const isAdmin = (scopes: readonly Scope[]): boolean => scopes.includes('admin');

/** Whether these scopes allow sessions with `agent`. */
export const allowsAgent = (scopes: readonly Scope[], agent: string): boolean => scopes.some((s) => s === 'admin' || s === 'agents:*' || s === `agent:${agent}`);
