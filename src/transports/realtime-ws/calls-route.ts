import type { FastifyInstance } from 'fastify';
import { refuse, sendRefusal } from '../../server/access/refusal.js';
import { authorizeCallControl, callNotFound, findCall, type SidebandDeps } from './sideband.js';

/** Why a call ended when its hangup was asked for (the close reason its connections get). */
export const HANGUP_REASON = 'hung up (POST /v1/realtime/calls/{call_id}/hangup)';

/**
 * `POST /v1/realtime/calls/:call_id/hangup`: ends a live call on this server, as OpenAI's
 * endpoint of that name does (the server controlling a WebRTC or SIP call hangs it up). Same
 * rights as a sideband; 404 `call_not_found` for an unknown or ended call. Like OpenAI (the
 * `openai` SDK's `realtime.calls.hangup` resolves to void) it answers 200 with an empty body,
 * once the end has begun: the caller's connection and every sideband close with code 1000.
 */
export function registerCallRoutes(app: FastifyInstance, deps: SidebandDeps): void {
  app.post<{ Params: { call_id: string } }>('/v1/realtime/calls/:call_id/hangup', async (req, reply) => {
    const callId = req.params.call_id;
    const refused = await authorizeCallControl(deps, req, 'Hanging up a call', callId);
    if (refused) return sendRefusal(reply, refused);
    const session = findCall(deps.sessions, callId);
    if (!session) return refuse(reply, 404, 'call_not_found', callNotFound(callId));
    deps.logger.info({ session_id: session.id }, 'call hung up through the API');
    // The end flushes records and may wait for a running tool; the answer says it has begun.
    void session.end({ reason: HANGUP_REASON, code: 1000 }).catch((err: unknown) => deps.logger.error({ err, session_id: session.id }, 'ending the hung-up call failed'));
    return reply.code(200).send();
  });
}
