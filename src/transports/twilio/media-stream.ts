import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { AuthError } from '../../auth/errors.js';
import { sessionNode } from '../../protocol/ids.js';
import { asBuffer, closeReason } from '../realtime-ws/connection.js';
import type { TwilioCall } from './call.js';
import { parseTwilioMessage, TWILIO_MEDIA_FORMAT, type StartMessage } from './messages.js';
import type { PendingCalls } from './pending.js';
import { isTwilioSigned, publicWebSocketUrl } from './signature.js';
import type { StreamTokens } from './stream-token.js';

export const MEDIA_STREAM_PATH = '/twilio/media-stream';
/**
 * The stream URL in the TwiML names the session (`/twilio/media-stream/<session id>`): Twilio
 * drops query strings from stream URLs, and a load balancer must send the stream to the node
 * that answered the webhook, where the call waits.
 */
export const mediaStreamPath = (sessionId: string): string => `${MEDIA_STREAM_PATH}/${encodeURIComponent(sessionId)}`;
/** Twilio sends `connected` and `start` right after the upgrade. */
const START_TIMEOUT_MS = 10_000;

export interface MediaStreamDeps {
  authToken: string;
  publicUrl: string;
  tokens: StreamTokens;
  pending: PendingCalls;
  logger: Logger;
  /** This node's name, to say so when a stream reaches the wrong node. */
  nodeId: string;
}

/**
 * `WS /twilio/media-stream`: the stream Twilio opens for a call answered with
 * `<Connect><Stream>`. Its upgrade must carry Twilio's signature; its `start` message must carry
 * the stream token from the TwiML, for this very call, not yet used. Then the call's session
 * gets the stream. Anything else is closed with 1008 and a reason.
 */
export function registerMediaStreamRoute(app: FastifyInstance, deps: MediaStreamDeps): void {
  const handler = (socket: WebSocket, req: FastifyRequest<{ Params: { sessionId?: string } }>): void => {
    const log = deps.logger.child({ transport: 'twilio' });
    const refuse = (reason: string): void => {
      log.warn({ reason }, 'twilio media stream refused');
      if (socket.readyState === socket.OPEN) socket.close(1008, closeReason(reason));
    };
    if (!isTwilioSigned(deps.authToken, req.headers['x-twilio-signature'], publicWebSocketUrl(deps.publicUrl, req.url), {})) {
      return refuse('invalid X-Twilio-Signature: the stream did not come from Twilio, or PUBLIC_URL is not the URL Twilio used');
    }
    let bound: ((data: RawData, isBinary: boolean) => void) | null = null;
    let connected = false;
    const timer = setTimeout(() => refuse(`no 'start' message within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    timer.unref();
    socket.on('close', () => clearTimeout(timer));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (bound) return bound(data, isBinary);
      if (isBinary) return refuse('binary frame before start: Twilio sends JSON text');
      const parsed = parseTwilioMessage(asBuffer(data).toString('utf8'));
      if (!parsed.ok) return refuse(`invalid message before start (${parsed.error})`);
      const m = parsed.message;
      if (m.event === 'connected' && !connected) return void (connected = true);
      if (m.event !== 'start') return refuse(`expected 'start', got '${m.event}'`);
      clearTimeout(timer);
      const call = claim(deps, m, req.params.sessionId);
      if ('refused' in call) return refuse(call.refused);
      bound = (d, b) => call.receive(d, b);
      call.connect(socket, m);
    });
  };
  app.get(`${MEDIA_STREAM_PATH}/:sessionId`, { websocket: true }, handler);
  // Without the session in the path: a stream URL from before it was added there.
  app.get(MEDIA_STREAM_PATH, { websocket: true }, handler);
}

function claim(deps: MediaStreamDeps, start: StartMessage, pathSession: string | undefined): TwilioCall | { refused: string } {
  const { customParameters, callSid, mediaFormat } = start.start;
  const token = customParameters.token;
  if (!token) return { refused: "the start message carries no 'token' parameter: the stream must come from Parley's TwiML" };
  let claims;
  try {
    claims = deps.tokens.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return { refused: err.message };
    throw err;
  }
  if (claims.call !== callSid) return { refused: `the stream token is for call ${claims.call}, not ${callSid}` };
  if (pathSession !== undefined && pathSession !== claims.sid) return { refused: `the stream URL names session ${pathSession}, but its token is for ${claims.sid}` };
  if (mediaFormat.encoding !== TWILIO_MEDIA_FORMAT.encoding || mediaFormat.sampleRate !== TWILIO_MEDIA_FORMAT.sampleRate || mediaFormat.channels !== TWILIO_MEDIA_FORMAT.channels) {
    return { refused: `unsupported media format ${mediaFormat.encoding}/${mediaFormat.sampleRate}/${mediaFormat.channels}: Parley takes audio/x-mulaw at 8000 Hz, mono (leave <Stream> audio attributes unset)` };
  }
  const call = deps.pending.claim(claims.sid);
  if (!call) {
    const holder = sessionNode(claims.sid);
    if (holder && holder !== deps.nodeId) return { refused: `this stream reached node ${deps.nodeId}, but its call was answered by node ${holder}: route ${MEDIA_STREAM_PATH}/<session id> to the node the id names (deploy/nginx/)` };
    return { refused: 'the stream token was already used, or its call has ended' };
  }
  return call;
}
