import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Agent, AgentRegistry } from '../../agents/index.js';
import type { Config } from '../../config/schema.js';
import type { NodeCapacity } from '../../server/limits/node-capacity.js';
import { refuse } from '../../server/access/refusal.js';
import { CALLER_ID } from '../../session/resume.js';
import { SessionOpenError } from '../../session/session-open-error.js';
import { openAdmittedSession, type StartSessionDeps } from '../../session/start-admitted-session.js';
import { FINAL_CALL_STATUSES } from '../../store/phone-calls.js';
import type { Store } from '../../store/types.js';
import { TwilioCall } from './call.js';
import { CallControl } from './call-control.js';
import { registerTwilioDisabled } from './disabled.js';
import { mediaStreamPath, registerMediaStreamRoute } from './media-stream.js';
import { callOutcome, outcomeTwiml } from './outcome.js';
import { PendingCalls } from './pending.js';
import { twilioRestClient } from './rest-client.js';
import { isTwilioSigned, publicRequestUrl, publicWebSocketUrl, type FormParams } from './signature.js';
import { StreamTokens } from './stream-token.js';
import { connectStreamTwiml, hangupTwiml } from './twiml.js';

export interface TwilioRouteDeps extends StartSessionDeps {
  agents: AgentRegistry;
  store: Store;
  logger: Logger;
  /** This node's room: each call takes a place, and a full or draining node does not answer. */
  node: NodeCapacity;
  nodeId: string;
  /** The key session tokens are signed with; stream tokens are signed with it too (a kind of their own). */
  tokenKey: Buffer;
}

const CANNOT_TAKE = "I'm sorry, we can't take your call right now. Please call again in a few minutes. Goodbye.";
/** Twilio's stand-ins for a withheld number: no one to remember. */
const WITHHELD = /^(anonymous|restricted|unknown|private|unavailable|\+266696687)$/i;

const CallParams = z.looseObject({
  CallSid: z.string().min(1),
  AccountSid: z.string().min(1),
  From: z.string().default(''),
  To: z.string().default(''),
  CallStatus: z.string().default('ringing'),
});
type CallParamsT = z.infer<typeof CallParams>;

const sendTwiml = (reply: FastifyReply, twiml: string): FastifyReply => reply.code(200).type('text/xml').send(twiml);


/** The agent a call reaches: the one that lists the number called, else the default agent. */
function agentFor(agents: AgentRegistry, config: Config, to: string): Agent | undefined {
  return agents.byNumber(to) ?? agents.get(config.agents.default);
}

const transferTarget = (agent: Agent | undefined, config: Config): string | null => agent?.phone?.transferTo ?? config.twilio.transferTo ?? null;

/**
 * Phone calls through Twilio. `POST /twilio/voice` answers an incoming call: the agent for the
 * number called, its session opened and started at once (the greeting is ready when the
 * stream connects), and TwiML that connects the call to `WS /twilio/media-stream` with a
 * signed single-use stream token, the caller's number and the session id as parameters.
 * `POST /twilio/status` and `/twilio/stream-status` record call and stream progress;
 * `POST /twilio/stream-ended` (the `<Connect action>`) tells Twilio how the call goes on.
 * Every request must carry Twilio's signature over PUBLIC_URL; 403 otherwise.
 */
export async function registerTwilioRoutes(app: FastifyInstance, deps: TwilioRouteDeps): Promise<void> {
  const { config } = deps;
  const { authToken, publicUrl, accountSid, apiUrl, streamTokenTtlS } = config.twilio;
  if (!authToken || !publicUrl) return registerTwilioDisabled(app);
  const log = deps.logger.child({ transport: 'twilio' });
  const tokens = new StreamTokens(deps.tokenKey);
  const pending = new PendingCalls();
  const control = new CallControl(accountSid ? twilioRestClient({ accountSid, authToken, apiUrl }) : null, log);
  const url = (path: string): string => publicRequestUrl(publicUrl, path);

  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.addHook('preHandler', async (req, reply) => {
      const params = (req.body ?? {}) as FormParams;
      if (!isTwilioSigned(authToken, req.headers['x-twilio-signature'], publicRequestUrl(publicUrl, req.url), params)) {
        req.log.warn({ url: req.url }, 'twilio request with a missing or wrong signature refused');
        return refuse(reply, 403, 'invalid_signature', `X-Twilio-Signature does not match this request. It must come from Twilio, signed with TWILIO_AUTH_TOKEN, for the URL ${publicRequestUrl(publicUrl, req.url)} (PUBLIC_URL + path): check both.`);
      }
    });
    const callParams = (req: FastifyRequest, reply: FastifyReply): CallParamsT | null => {
      const parsed = CallParams.safeParse(req.body ?? {});
      if (parsed.success) return parsed.data;
      void refuse(reply, 400, 'invalid_request', `Not a Twilio call request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
      return null;
    };

    scope.post('/twilio/voice', async (req, reply) => {
      const p = callParams(req, reply);
      if (!p) return reply;
      const place = deps.node.take();
      if (!place.ok) {
        log.warn({ call_sid: p.CallSid, code: place.refusal.code }, 'phone call refused: ' + place.refusal.message);
        return sendTwiml(reply, hangupTwiml(CANNOT_TAKE));
      }
      const agent = agentFor(deps.agents, config, p.To);
      if (!agent) {
        place.value.release();
        return sendTwiml(reply, hangupTwiml(CANNOT_TAKE));
      }
      const callerId = CALLER_ID.test(p.From) && !WITHHELD.test(p.From) ? p.From : null;
      const clog = log.child({ call_sid: p.CallSid });
      let call: TwilioCall | null = null;
      let registered = false;
      try {
        const session = await openAdmittedSession(deps, { admitted: { agent, callerId, reservation: null }, transport: 'twilio', logger: clog, audioFormat: { type: 'audio/pcmu' } });
        const identity = { callSid: p.CallSid, accountSid: p.AccountSid, from: p.From, to: p.To };
        const record = (event: string, detail: Record<string, string>): void => void deps.store.calls.event(p.CallSid, { at: new Date().toISOString(), source: 'parley', event, detail }).catch((err: unknown) => clog.warn({ err }, 'could not record a phone call event'));
        call = new TwilioCall({ call: identity, logger: clog.child({ session_id: session.id }), control, transferTo: transferTarget(agent, config), record, onEnded: () => pending.drop(session.id), audio: deps.telemetry?.audio('twilio') });
        deps.sessions.add(session);
        session.onEnd(() => place.value.release());
        registered = true;
        const answered = call;
        pending.add(session.id, call, streamTokenTtlS * 1000, () => void answered.abort('the media stream never connected'));
        await deps.store.calls.started({ ...identity, sessionId: session.id, status: p.CallStatus, at: new Date().toISOString() });
        call.attach(session);
        clog.info({ session_id: session.id, agent: agent.name, engine: session.engineName, to: p.To }, 'phone call answered');
        const twiml = connectStreamTwiml({
          streamUrl: publicWebSocketUrl(publicUrl, mediaStreamPath(session.id)),
          actionUrl: url(`/twilio/stream-ended?session_id=${encodeURIComponent(session.id)}`),
          statusCallbackUrl: url('/twilio/stream-status'),
          parameters: { token: tokens.sign(session.id, p.CallSid, streamTokenTtlS), caller: p.From, session_id: session.id },
        });
        return sendTwiml(reply, twiml);
      } catch (err) {
        if (call) await call.abort('the call could not be answered');
        // Once the session is registered, its end gives the place back; before, nothing will.
        if (!registered) place.value.release();
        clog.error({ err }, err instanceof SessionOpenError ? 'phone call: the session could not be opened' : 'phone call: answering failed');
        return sendTwiml(reply, hangupTwiml(CANNOT_TAKE));
      }
    });

    // The <Connect action>: the stream is over and Twilio asks what comes next.
    scope.post<{ Querystring: { session_id?: string } }>('/twilio/stream-ended', async (req, reply) => {
      const sessionId = req.query.session_id ?? '';
      const live = deps.sessions.get(sessionId);
      // Twilio ended the stream on its own (a stream error, say): the session goes with it.
      if (live) await live.end({ reason: 'the media stream ended', code: 1000 });
      const record = sessionId ? await deps.store.records.session(sessionId) : null;
      const outcome = callOutcome(record?.endReason ?? null, transferTarget(record ? deps.agents.get(record.agent) : undefined, config));
      return sendTwiml(reply, outcomeTwiml(outcome));
    });

    // The number's status callback: call progress, and the end of the call.
    scope.post('/twilio/status', async (req, reply) => {
      const p = callParams(req, reply);
      if (!p) return reply;
      const body = req.body as Record<string, string>;
      const at = new Date().toISOString();
      const durationS = body.CallDuration !== undefined && /^\d+$/.test(body.CallDuration) ? Number(body.CallDuration) : null;
      const sessionId = await deps.store.calls.status({ callSid: p.CallSid, accountSid: p.AccountSid, from: p.From, to: p.To, status: p.CallStatus, at, durationS });
      await deps.store.calls.event(p.CallSid, { at, source: 'call', event: p.CallStatus, detail: pick(body, ['CallDuration', 'SequenceNumber', 'Timestamp', 'CallbackSource']) });
      const live = sessionId ? deps.sessions.get(sessionId) : undefined;
      // The stream's `stop` may come after this, or never: the session ends either way.
      if (live && FINAL_CALL_STATUSES.has(p.CallStatus)) void live.end({ reason: `caller hung up (call ${p.CallStatus})`, code: 1000 });
      return reply.code(204).send();
    });

    // The <Stream statusCallback>: stream started, stopped, or failed (e.g. a handshake Parley never saw).
    scope.post('/twilio/stream-status', async (req, reply) => {
      const body = req.body as Record<string, string>;
      if (!body.CallSid || !body.StreamEvent) return refuse(reply, 400, 'invalid_request', 'Not a Twilio stream status callback: CallSid and StreamEvent are required.');
      if (body.StreamEvent === 'stream-error') log.warn({ call_sid: body.CallSid, error: body.StreamError }, 'Twilio reports a media stream error');
      await deps.store.calls.event(body.CallSid, { at: new Date().toISOString(), source: 'stream', event: body.StreamEvent, detail: pick(body, ['StreamSid', 'StreamName', 'StreamError', 'Timestamp']) });
      return reply.code(204).send();
    });
  });

  registerMediaStreamRoute(app, { authToken, publicUrl, tokens, pending, logger: log, nodeId: deps.nodeId });
}

const pick = (body: Record<string, string>, keys: readonly string[]): Record<string, string> => Object.fromEntries(keys.filter((k) => typeof body[k] === 'string').map((k) => [k, body[k]!]));
