import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Agent, AgentRegistry } from '../../agents/index.js';
import type { Config } from '../../config/schema.js';
import type { EngineRegistry } from '../../engines/engine.js';
import { OpenAIEngineError } from '../../engines/openai/errors.js';
import { planAgentSession } from '../../session/agent-session-plan.js';
import { CALLER_ID, CALLER_ID_RULE, checkResumeHere } from '../../session/resume.js';
import { SessionOpenError } from '../../session/session-open-error.js';
import type { Store } from '../../store/types.js';
import type { Access } from '../access/access.js';
import { sendRefusal, type Refusal } from '../access/refusal.js';
import { mintSessionSecret, type MintedSession } from '../access/session-secrets.js';

export interface SessionSecretDeps {
  access: Access;
  agents: AgentRegistry;
  engines: EngineRegistry;
  store: Store;
  config: Config;
}

interface MintAsk {
  agent: string | undefined;
  callerId: string | undefined;
  sessionId: string | undefined;
  model: string | undefined;
  voice: string | undefined;
  ttlS: number | undefined;
}

const ApiSessionBody = z.strictObject({
  agent: z.string().optional().describe('Agent name; default: the server default agent.'),
  caller_id: z.string().regex(CALLER_ID, CALLER_ID_RULE).optional(),
  session_id: z.string().optional().describe('Resume this session (after a dropped connection) instead of starting a new one.'),
  model: z.string().optional(),
  voice: z.string().optional(),
  expires_in: z.number().int().min(10).max(600).optional().describe('Seconds the secret may be used to connect; default PARLEY_TOKEN_TTL_S.'),
});

const Secret = z.object({ value: z.string(), expires_at: z.number().int() });

const ApiSessionResponse = z.object({
  session_id: z.string(),
  agent: z.string(),
  engine: z.string(),
  model: z.string(),
  client_secret: Secret.describe("Connect with this: Parley's token, or OpenAI's ephemeral key when connect.mode is 'direct'."),
  session_token: Secret.describe("Parley's token for this session: reconnects and attaching a direct call."),
  connect: z.object({ mode: z.enum(['parley', 'direct']), url: z.string() }),
});

const ErrorBody = z.object({ error: z.object({ type: z.string(), code: z.string(), message: z.string() }) });

/** The OpenAI-compatible request: only what a caller may choose; the agent fixes the rest. */
const ClientSecretsBody = z.object({
  expires_after: z.strictObject({ anchor: z.literal('created_at'), seconds: z.number().int().min(10).max(7200) }).optional(),
  session: z
    .looseObject({ type: z.literal('realtime'), model: z.string().optional(), audio: z.strictObject({ output: z.strictObject({ voice: z.string() }) }).optional() })
    .optional(),
});

const ClientSecretsResponse = z.object({ value: z.string(), expires_at: z.number().int(), session: z.record(z.string(), z.unknown()) });

const FIXED_BY_AGENT = 'Parley agents fix instructions, tools and turn detection server-side; a client secret request may only choose session.model and session.audio.output.voice.';

/**
 * `POST /api/session` (Parley's) and `POST /v1/realtime/client_secrets` (OpenAI's shape): for a
 * caller allowed to use an agent, a short-lived secret to connect with. Never the server's key.
 */
export const sessionSecretRoutes = (deps: SessionSecretDeps): FastifyPluginAsyncZod =>
  async function sessionSecrets(app) {
    app.post(
      '/api/session',
      {
        schema: {
          summary: 'A short-lived secret for one session with an agent (public agents: no key needed)',
          tags: ['sessions'],
          body: ApiSessionBody,
          response: { 200: ApiSessionResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const minted = await mintFor(deps, req, { agent: b.agent, callerId: b.caller_id, sessionId: b.session_id, model: b.model, voice: b.voice, ttlS: b.expires_in });
        if ('refusal' in minted) return sendRefusal(reply, minted.refusal);
        const { m, agent } = minted;
        const wsScheme = req.protocol === 'https' ? 'wss' : 'ws';
        return {
          session_id: m.sessionId,
          agent: agent.name,
          engine: m.engine,
          model: m.model,
          client_secret: { value: m.clientSecret.value, expires_at: m.clientSecret.expiresAt },
          session_token: { value: m.sessionToken.value, expires_at: m.sessionToken.expiresAt },
          // The session id in the URL lets a load balancer route the connection to the node that minted the token (deploy/nginx/).
          connect: m.callsUrl ? { mode: 'direct' as const, url: m.callsUrl } : { mode: 'parley' as const, url: `${wsScheme}://${req.host}/v1/realtime?session_id=${encodeURIComponent(m.sessionId)}` },
        };
      },
    );

    app.post(
      '/v1/realtime/client_secrets',
      {
        schema: {
          summary: 'OpenAI-compatible: an ephemeral key for a session with an agent (?agent=, default: the default agent)',
          tags: ['realtime'],
          querystring: z.object({ agent: z.string().optional() }),
          body: ClientSecretsBody.optional(),
          response: { 200: ClientSecretsResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const session = req.body?.session;
        const extra = Object.keys(session ?? {}).filter((k) => !['type', 'model', 'audio'].includes(k));
        if (extra.length > 0) return sendRefusal(reply, { status: 400, code: 'unsupported_parameter', message: `Unsupported session field(s) ${extra.join(', ')}: ${FIXED_BY_AGENT}` });
        const ttlS = req.body?.expires_after?.seconds;
        const minted = await mintFor(deps, req, {
          agent: req.query.agent,
          callerId: undefined,
          sessionId: undefined,
          model: session?.model,
          voice: session?.audio?.output.voice,
          ttlS: ttlS === undefined ? undefined : Math.min(ttlS, 600),
        });
        if ('refusal' in minted) return sendRefusal(reply, minted.refusal);
        return { value: minted.m.clientSecret.value, expires_at: minted.m.clientSecret.expiresAt, session: minted.m.session };
      },
    );
  };

/** Who asks, for which agent, how often: then the secret. */
async function mintFor(deps: SessionSecretDeps, req: FastifyRequest, ask: MintAsk): Promise<{ m: MintedSession; agent: Agent } | { refusal: Refusal }> {
  const name = ask.agent ?? deps.config.agents.default;
  const agent = deps.agents.get(name);
  if (!agent) return { refusal: { status: 404, code: 'agent_not_found', message: `No agent named '${name}'. Agents: ${deps.agents.list().map((a) => a.name).join(', ')}.` } };
  const allowed = await deps.access.agent(req, agent);
  if (!allowed.ok) return { refusal: allowed.refusal };
  const principal = allowed.value;
  let callerId = ask.callerId ?? (principal.kind === 'token' ? principal.claims.caller : null);
  if (ask.sessionId !== undefined) {
    const resume = await checkResumeHere({ records: deps.store.records, config: deps.config, agents: deps.agents }, { sessionId: ask.sessionId, callerId: ask.callerId, agent: agent.name });
    if (!resume.ok) return { refusal: { status: resume.status, code: resume.code, message: resume.message } };
    callerId = resume.detail.callerId;
  } else {
    const limited = await deps.access.createSession(principal, req.ip);
    if (limited) return { refusal: limited };
  }
  try {
    const plan = planAgentSession({ config: deps.config, engines: deps.engines, business: deps.store.business }, agent, ask.model);
    if (ask.voice !== undefined) {
      plan.update.audio = { ...plan.update.audio, output: { ...plan.update.audio?.output, voice: ask.voice } };
      plan.session.audio.output.voice = ask.voice;
    }
    const ttlS = ask.ttlS ?? deps.config.server.tokenTtlS;
    const m = await mintSessionSecret(deps.access.auth.tokens, { agent, plan, principal, quota: deps.access.quota(principal, req.ip), callerId, ttlS, ...(ask.sessionId ? { sessionId: ask.sessionId } : {}) });
    req.log.info({ session_id: m.sessionId, agent: agent.name, engine: m.engine, principal: principal.id, expires_at: m.clientSecret.expiresAt }, 'session secret issued');
    return { m, agent };
  } catch (err) {
    if (err instanceof SessionOpenError) return { refusal: { status: 503, code: err.code, message: err.message } };
    if (err instanceof OpenAIEngineError) {
      // The caller sees a 502; the operator must see why (a revoked OPENAI_API_KEY, say). Messages name no key.
      req.log.warn({ agent: agent.name, code: err.code, status: err.status }, `session secret not issued: ${err.message}`);
      return { refusal: { status: 502, code: err.code, message: err.message } };
    }
    throw err;
  }
}
