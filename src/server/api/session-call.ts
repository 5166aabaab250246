import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentRegistry } from '../../agents/index.js';
import type { SessionRegistry } from '../../session/registry.js';
import { CALLER_ID, CALLER_ID_RULE } from '../../session/resume.js';
import { openSidebandSession, SidebandSessionError } from '../../session/sideband-session.js';
import { SessionOpenError, type SessionServices } from '../../session/open-session.js';
import type { Access } from '../access/access.js';
import { sendRefusal } from '../access/refusal.js';

const ErrorBody = z.object({ error: z.object({ type: z.string(), code: z.string(), message: z.string() }) });

/**
 * `POST /api/session/call`: a browser that connected to OpenAI directly (WebRTC, with the
 * ephemeral key from POST /api/session) hands over its call id, and Parley attaches to the call
 * as its sideband to run the agent's tools, record the session and enforce its limits. The
 * browser proves itself with the `session_token` it was given; servers may use an API key.
 */
export const sessionCallRoutes = (deps: { access: Access; agents: AgentRegistry; sessions: SessionRegistry; services: SessionServices }): FastifyPluginAsyncZod =>
  async function sessionCall(app) {
    app.post(
      '/api/session/call',
      {
        schema: {
          summary: "Attach Parley to a direct OpenAI call (the call id from the WebRTC answer's Location header)",
          tags: ['sessions'],
          body: z.strictObject({ call_id: z.string().min(1).max(128), agent: z.string().optional(), caller_id: z.string().regex(CALLER_ID, CALLER_ID_RULE).optional() }),
          response: { 201: z.object({ session_id: z.string(), call_id: z.string(), agent: z.string() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 502: ErrorBody },
        },
      },
      async (req, reply) => {
        const p = await deps.access.principal(req).catch(() => null);
        const name = p?.kind === 'token' ? p.claims.agent : (req.body.agent ?? deps.services.config.agents.default);
        const agent = deps.agents.get(name);
        if (!agent) return sendRefusal(reply, { status: 404, code: 'agent_not_found', message: `No agent named '${name}'.` });
        const allowed = await deps.access.agent(req, { name: agent.name, access: 'key' });
        if (!allowed.ok) return sendRefusal(reply, allowed.refusal);
        const principal = allowed.value;
        const token = principal.kind === 'token' ? principal.claims : null;
        if (token && deps.sessions.get(token.sid)) return sendRefusal(reply, { status: 409, code: 'call_already_attached', message: `Session ${token.sid} is already attached to a call.` });
        const held = await deps.access.admit(principal, req.ip, { isNew: !token });
        if (!held.ok) return sendRefusal(reply, held.refusal);
        try {
          const session = await openSidebandSession(deps.services, {
            agent,
            callId: req.body.call_id,
            callerId: token ? token.caller : (req.body.caller_id ?? null),
            logger: deps.services.logger,
            ...(token ? { sessionId: token.sid } : {}),
          });
          deps.sessions.add(session);
          session.onEnd(() => held.value?.release());
          return reply.code(201).send({ session_id: session.id, call_id: req.body.call_id, agent: agent.name });
        } catch (err) {
          held.value?.release();
          if (err instanceof SidebandSessionError) return sendRefusal(reply, { status: 400, code: err.code, message: err.message });
          if (err instanceof SessionOpenError) return sendRefusal(reply, { status: 502, code: err.code, message: err.message });
          throw err;
        }
      },
    );
  };
