import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Access } from '../../server/access/access.js';
import { refusalOf, refuse, sendRefusal } from '../../server/access/refusal.js';
import type { NodeCapacity } from '../../server/limits/node-capacity.js';
import { CALLER_ID, CALLER_ID_RULE } from '../../session/resume.js';
import { SessionOpenError } from '../../session/session-open-error.js';
import { openAdmittedSession, type StartSessionDeps } from '../../session/start-admitted-session.js';
import { admitRealtime, type RealtimeQuery } from '../realtime-ws/admit.js';
import { WebRtcCall } from './call.js';
import { answer, checkOffer, createPeer, OfferError, peerSettings } from './peer.js';

export interface WebRtcRouteDeps extends StartSessionDeps {
  logger: Logger;
  /** This node's room: a full or draining node refuses before anything else is done. */
  node: NodeCapacity;
  access: Access;
}

/** An offer is a few KB; with a `session` part, a few more. */
const MAX_BODY_BYTES = 128 * 1024;
/** RFC 8841: a peer that states no a=max-message-size accepts 64 KiB. */
const DEFAULT_MAX_MESSAGE_SIZE = 65_536;

const FIXED_BY_AGENT = 'Parley agents fix instructions, tools, audio formats and turn detection server-side; a call may only choose session.model and session.audio.output.voice.';

/** The `session` part of a multipart offer (OpenAI's "unified interface"): only what a caller may choose. */
const CallSession = z.looseObject({
  type: z.literal('realtime', { error: "session.type must be 'realtime'" }),
  model: z.string().min(1).max(128).optional(),
  audio: z.strictObject({ output: z.strictObject({ voice: z.string().min(1).max(64) }) }).optional(),
});

type Offer = { sdp: string; model?: string; voice?: string };
type Refused = { status: number; code: string; message: string };

const no = (status: number, code: string, message: string): { refused: Refused } => ({ refused: { status, code, message } });

const isLoopback = (ip: string): boolean => ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields of the `session` part an agent's call may not set, as dotted paths. */
function* unsupportedFields(session: unknown): Generator<string> {
  if (!isObject(session)) return;
  for (const k of Object.keys(session)) if (!['type', 'model', 'audio'].includes(k)) yield `session.${k}`;
  const audio = session.audio;
  if (!isObject(audio)) return;
  for (const k of Object.keys(audio)) if (k !== 'output') yield `session.audio.${k}`;
  if (isObject(audio.output)) for (const k of Object.keys(audio.output)) if (k !== 'voice') yield `session.audio.output.${k}`;
}

/** What the request carries: the offer as the body, or as the `sdp` part with a `session` part beside it. */
async function readOffer(req: FastifyRequest): Promise<Offer | { refused: Refused }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (type === 'application/sdp') return { sdp: body.toString('utf8') };
  if (type !== 'multipart/form-data') {
    return no(415, 'unsupported_media_type', `Content-Type ${type ? `'${type}'` : '(none)'} is not accepted: send the SDP offer as the body with Content-Type: application/sdp, or as multipart/form-data with parts 'sdp' and 'session'.`);
  }
  let form: FormData;
  try {
    // undici's multipart parser (Node's fetch), over the buffered body.
    form = await new Response(body, { headers: { 'content-type': req.headers['content-type']! } }).formData();
  } catch (err) {
    return no(400, 'invalid_multipart', `The multipart/form-data body could not be read: ${(err as Error).message}. Send parts 'sdp' (the offer) and 'session' (JSON).`);
  }
  const text = async (v: ReturnType<FormData['get']>): Promise<string | null> => (v === null ? null : typeof v === 'string' ? v : v.text());
  const sdp = await text(form.get('sdp'));
  if (sdp === null) return no(400, 'missing_sdp', "The multipart body has no 'sdp' part: put the SDP offer (pc.localDescription.sdp) in it.");
  const sessionText = await text(form.get('session'));
  if (sessionText === null) return { sdp };
  let json: unknown;
  try {
    json = JSON.parse(sessionText);
  } catch (err) {
    return no(400, 'invalid_json', `The 'session' part is not valid JSON (${(err as Error).message}).`);
  }
  const extra = [...unsupportedFields(json)];
  if (extra.length > 0) return no(400, 'unsupported_parameter', `Unsupported session field(s) ${extra.join(', ')}: ${FIXED_BY_AGENT}`);
  const parsed = CallSession.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at session.${issue.path.join('.')}` : '';
    return no(400, 'invalid_value', `Invalid 'session' part${where}: ${issue?.message ?? 'expected a realtime session'}.`);
  }
  return { sdp, ...(parsed.data.model ? { model: parsed.data.model } : {}), ...(parsed.data.audio ? { voice: parsed.data.audio.output.voice } : {}) };
}

/**
 * `POST /v1/realtime/calls`: a WebRTC call with an agent, the contract OpenAI offers (§1.3), so
 * one browser client talks to either: the SDP offer in (raw, or multipart with a `session`
 * part), `201` with the SDP answer and `Location: /v1/realtime/calls/<call id>` out. The call id
 * is the session id, so `/v1/realtime?call_id=` (sideband) and `…/hangup` work on it. Who may
 * call, which session a token opens or resumes, and the limits are `/v1/realtime`'s.
 */
export async function registerWebRtcRoute(app: FastifyInstance, deps: WebRtcRouteDeps): Promise<void> {
  const settings = peerSettings(deps.config.webrtc);
  await app.register(async (scope) => {
    // This route reads its body raw whatever its type (the other routes keep their parsers): the handler decides what it accepts.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, 413, 'request_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB; an SDP offer is a few KB.`);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return refuse(reply, err.statusCode, 'invalid_request', err.message);
      req.log.error({ err }, 'webrtc call setup failed');
      return reply.code(500).send({ error: { type: 'server_error', code: 'internal_error', message: 'The call could not be set up; see the server logs.' } });
    });
    scope.post<{ Querystring: RealtimeQuery }>('/v1/realtime/calls', (req, reply) => call(deps, settings, req, reply));
  });
}

async function call(deps: WebRtcRouteDeps, settings: ReturnType<typeof peerSettings>, req: FastifyRequest<{ Querystring: RealtimeQuery }>, reply: FastifyReply): Promise<FastifyReply> {
  const busy = deps.node.refusal();
  if (busy) return sendRefusal(reply, busy);
  const q = req.query;
  if (q.intent !== undefined) return refuse(reply, 400, 'unsupported', 'Calls are realtime sessions; ?intent= is not accepted here.');
  if (q.call_id !== undefined) return refuse(reply, 400, 'invalid_value', '?call_id= is for attaching to a call (GET /v1/realtime?call_id=); a new call takes none.');
  if (q.caller_id !== undefined && !CALLER_ID.test(q.caller_id)) return refuse(reply, 400, 'invalid_value', CALLER_ID_RULE);
  const offer = await readOffer(req);
  if ('refused' in offer) return sendRefusal(reply, offer.refused);
  if (offer.model !== undefined && q.model !== undefined && offer.model !== q.model) return refuse(reply, 400, 'invalid_value', `?model=${q.model} and session.model '${offer.model}' differ; name the model once.`);
  try {
    checkOffer(offer.sdp);
  } catch (err) {
    if (err instanceof OfferError) return refuse(reply, 400, err.code, err.message);
    throw err;
  }
  if (!deps.agents && !deps.engines.get(deps.config.engine.default)) {
    return refuse(reply, 500, 'engine_unavailable', `Engine '${deps.config.engine.default}' is not available; set PARLEY_ENGINE to one of: ${deps.engines.names().join(', ')}.`);
  }
  const checked = await refusalOf(() => admitRealtime(deps, req));
  const admitted = checked.ok ? checked.value : { refusal: checked.refusal };
  if ('refusal' in admitted) return sendRefusal(reply, admitted.refusal);

  // From here the admission place is held: it goes back once, when the call ends or its setup fails.
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    admitted.reservation?.release();
  };
  const log = deps.logger.child({ transport: 'webrtc' });
  const pc = createPeer(settings, { loopback: isLoopback(req.ip) });
  let answerSdp: string;
  try {
    answerSdp = await answer(pc, offer.sdp, settings);
  } catch (err) {
    release();
    await pc.close().catch(() => undefined);
    if (err instanceof OfferError) return refuse(reply, 400, err.code, err.message);
    throw err;
  }
  const maxSize = /^a=max-message-size:(\d+)/m.exec(offer.sdp)?.[1];
  let rtc: WebRtcCall;
  try {
    rtc = new WebRtcCall({
      pc,
      maxSendBytes: maxSize === undefined ? DEFAULT_MAX_MESSAGE_SIZE : Number(maxSize),
      maxMessageBytes: deps.config.limits.maxFrameBytes,
      messagesPerSecond: deps.config.limits.messagesPerSecond,
      logger: log,
      ...(offer.voice ? { voice: offer.voice } : {}),
      onEnded: release,
      audio: deps.telemetry?.audio('webrtc'),
    });
  } catch (err) {
    release();
    await pc.close().catch(() => undefined);
    throw err;
  }
  try {
    const session = await openAdmittedSession(deps, { admitted, transport: 'webrtc', model: offer.model ?? q.model, agentName: q.agent, logger: log });
    deps.sessions.add(session);
    rtc.attach(session);
    log.info({ session_id: session.id, agent: session.agent, engine: session.engineName }, 'webrtc call answered');
    return reply.code(201).header('content-type', 'application/sdp').header('location', `/v1/realtime/calls/${session.id}`).header('access-control-expose-headers', 'Location').send(answerSdp);
  } catch (err) {
    await rtc.abort('the session could not be opened');
    if (err instanceof SessionOpenError) {
      log.error({ err }, 'webrtc call: session failed to open');
      const status = err.code === 'engine_failed' ? 502 : err.code === 'resume_refused' ? 409 : 503;
      return refuse(reply, status, err.code, err.message);
    }
    throw err;
  }
}
