import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentRegistry } from '../../agents/index.js';
import type { Config } from '../../config/schema.js';
import { KNOWN_VOICES } from '../../protocol/schemas/session.js';
import type { Access } from '../access/access.js';

const AgentSummary = z.object({
  name: z.string(),
  description: z.string(),
  voice: z.string(),
  engine: z.string(),
  access: z.enum(['public', 'key']),
});

/**
 * `GET /api/agents`: the agents this caller may talk to (public ones for anyone; the rest for a
 * key that may use them), for a client's agent and voice pickers. Instructions, tools and
 * business data stay server-side.
 */
export const agentRoutes = (deps: { agents: AgentRegistry; access: Access; config: Config }): FastifyPluginAsyncZod =>
  async function agents(app) {
    app.get(
      '/api/agents',
      {
        schema: {
          summary: 'Agents this caller may open sessions with, and the voices they may pick',
          tags: ['sessions'],
          response: { 200: z.object({ default: z.string(), agents: z.array(AgentSummary), voices: z.array(z.string()) }) },
        },
      },
      async (req) => {
        const usable = [];
        for (const agent of deps.agents.list()) {
          if ((await deps.access.agent(req, agent)).ok) usable.push({ name: agent.name, description: agent.description, voice: agent.voice, engine: agent.engine ?? deps.config.engine.default, access: agent.access });
        }
        return { default: deps.config.agents.default, agents: usable, voices: [...KNOWN_VOICES] };
      },
    );
  };
