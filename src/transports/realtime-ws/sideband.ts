import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Config } from '../../config/schema.js';
import { serverEvent } from '../../conversation/events.js';
import { isBetaClient } from '../../protocol/beta/index.js';
import { AuthError } from '../../auth/errors.js';
import { requireAdmin, requireAgent } from '../../auth/principal.js';
import type { Access } from '../../server/access/access.js';
import { refusalOf, refuse, sendRefusal, type Refusal } from '../../server/access/refusal.js';
import { offeredSubprotocols } from '../../auth/credential.js';
import type { RealtimeSession } from '../../session/realtime-session.js';
import type { SessionRegistry } from '../../session/registry.js';
import { announcedSession, RealtimeSocket, type AnnouncedSession } from './connection.js';

/**
 * The sideband: `GET /v1/realtime?call_id=<id>` attaches a server to a call that is live on this
 * Parley, as OpenAI offers it for WebRTC and SIP calls (`wss://api.openai.com/v1/realtime?call_id=`).
 * The call id of a Parley call is its session id (the one in the caller's `session.created`).
 * A sideband gets `session.created` with the session as it is now, then every server event
 * of the session except the audio deltas (those travel on the media path), and its client
 * events go into the session exactly like the caller's. Its close leaves the call running;
 * the call's end closes it, with the call's code and reason. Several may attach to one call.
 */

export interface SidebandDeps {
  config: Config;
  access: Access;
  sessions: SessionRegistry;
  logger: Logger;
}

/** The query of a sideband connection; the other fields are the route's and must be absent. */
export interface SidebandQuery {
  call_id?: string;
  model?: string;
  agent?: string;
  session_id?: string;
}

/**
 * Who may control a call (attach a sideband, hang up): an admin key, or an API key allowed to
 * use the call's agent. Never a session token, as OpenAI never takes a client secret here:
 * whoever holds the browser's secret must not be able to steer the server's side. The
 * credential is checked before the call is looked up, so a stranger learns nothing of calls.
 */
export async function authorizeCallControl(deps: SidebandDeps, req: FastifyRequest, what: string, callId: string): Promise<Refusal | null> {
  const checked = await refusalOf(async () => {
    const p = await deps.access.principal(req);
    if (p.kind === 'token') throw new AuthError('insufficient_scope', `${what} needs an API key; a session token (a client secret) cannot control calls.`);
    if (p.kind !== 'key') return requireAdmin(p, what);
    const session = findCall(deps.sessions, callId);
    if (session) requireAgent(p, { name: session.agent, access: 'key' });
  });
  return checked.ok ? null : checked.refusal;
}

/** The live call with this id (a session's id, as its caller was told in `session.created`), not one that is ending. */
export function findCall(sessions: SessionRegistry, callId: string): RealtimeSession | undefined {
  const session = sessions.get(callId);
  return session && session.connection.state !== 'closing' && session.connection.state !== 'closed' ? session : undefined;
}

export const callNotFound = (callId: string): string =>
  `No live call '${callId}' on this server: it has ended, or the id is wrong. The call id is the session id from the caller's session.created.`;

/**
 * Before the upgrade: a sideband needs call-control rights and a live call, and names nothing
 * else (model, agent and resume belong to the call). Returns the reply when it refuses.
 */
export async function refuseSideband(deps: SidebandDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const q = req.query as SidebandQuery;
  const refused = await authorizeCallControl(deps, req, 'A sideband connection', q.call_id ?? '');
  if (refused) return sendRefusal(reply, refused);
  const extra = (['model', 'agent', 'session_id'] as const).filter((k) => q[k] !== undefined);
  if (extra.length > 0) return refuse(reply, 400, 'invalid_value', `?call_id= attaches to an existing call and takes no ${extra.map((k) => `?${k}=`).join(', ')}: the call already has them.`);
  if (!q.call_id || !findCall(deps.sessions, q.call_id)) return refuse(reply, 404, 'call_not_found', callNotFound(q.call_id ?? ''));
  return undefined;
}

/** The sockets attached to each call, closed together when it ends (one end listener per call, however many attach over its life). */
const attached = new WeakMap<RealtimeSession, Set<RealtimeSocket>>();

function join(session: RealtimeSession, conn: RealtimeSocket): () => void {
  let group = attached.get(session);
  if (!group) {
    const members = new Set<RealtimeSocket>();
    session.onEnd((end) => {
      for (const c of members) c.close(end);
      members.clear();
    });
    attached.set(session, members);
    group = members;
  }
  group.add(conn);
  const members = group;
  return () => void members.delete(conn);
}

/**
 * What a sideband's `session.created` says. A session whose caller's socket announced its
 * config gets exactly that; one without (a headless session, itself attached to another
 * server's call) gets its id and type only: nothing here holds more of its config, and
 * inventing defaults would mislead the attaching server.
 */
function sessionNow(session: RealtimeSession): AnnouncedSession {
  return announcedSession(session) ?? ({ type: 'realtime', object: 'realtime.session', id: session.id } as unknown as AnnouncedSession);
}

/** After the upgrade: binds the socket to the call as a sideband. */
export function attachSideband(socket: WebSocket, req: FastifyRequest, deps: SidebandDeps): void {
  const callId = (req.query as SidebandQuery).call_id ?? '';
  const dialect = isBetaClient(req.headers, offeredSubprotocols(req.headers)) ? 'beta' : 'ga';
  const session = findCall(deps.sessions, callId);
  const log = deps.logger.child({ transport: 'realtime-ws', role: 'sideband', dialect, session_id: session?.id ?? callId });
  // The call may have ended between the check and the upgrade.
  if (!session) return void socket.close(1000, 'call ended before the sideband attached');
  const conn = new RealtimeSocket(socket, { dialect, maxFrameBytes: deps.config.limits.maxFrameBytes, logger: log, role: 'sideband' });
  const leave = join(session, conn);
  socket.on('close', (code) => {
    leave();
    log.info({ code }, 'sideband detached; the call goes on');
  });
  conn.attach(session, serverEvent('session.created', { session: sessionNow(session) }));
  log.info('sideband attached');
}
