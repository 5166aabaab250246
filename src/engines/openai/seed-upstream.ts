import type { Logger } from 'pino';
import type { ClientEventOf, SessionConfig } from '../../protocol/schemas/index.js';
import { OpenAIEngineError } from './errors.js';
import type { ItemCreateEvent } from './reseed.js';
import { parseEffectiveSession } from './session-update.js';
import { describeClose, type UpstreamSocket } from './upstream-socket.js';

export interface SeedRequest {
  sessionUpdate: ClientEventOf<'session.update'> & { event_id: string };
  items: readonly ItemCreateEvent[];
  timeoutMs: number;
  logger: Logger;
  /** A refused session fails the seeding (the first connection: the agent's configuration must apply). */
  strictSession: boolean;
}

export interface SeedResult {
  /** The upstream's effective session after the update (null if it didn't read as one). */
  session: SessionConfig | null;
  /** Ids of items the upstream refused (logged; the conversation goes on without them). */
  refusedItemIds: string[];
}

type ErrorBody = { type?: string; code?: string | null; message?: string; param?: string | null; event_id?: string | null };

/**
 * Puts a freshly opened upstream into the session's state before it serves anyone: sends the
 * session and the history, and waits until the upstream has confirmed each (`session.updated`,
 * `conversation.item.done` per item). Everything the upstream says meanwhile is its echo of
 * this set-up and goes no further. Rejects on a close, a server error or a timeout.
 */
export function seedUpstream(sock: UpstreamSocket, req: SeedRequest): Promise<SeedResult> {
  return new Promise<SeedResult>((resolve, reject) => {
    const itemByEventId = new Map(req.items.map((e) => [e.event_id as string, e.item.id as string]));
    const waiting = new Set(itemByEventId.values());
    const refusedItemIds: string[] = [];
    let session: SessionConfig | null = null;
    let sessionAnswered = false;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.onEvent = () => {};
      sock.onClose = () => {};
      if (err) reject(err);
      else resolve({ session, refusedItemIds });
    };
    const check = (): void => {
      if (sessionAnswered && waiting.size === 0) finish();
    };
    const timer = setTimeout(
      () => finish(new OpenAIEngineError('upstream_timeout', `OpenAI Realtime did not confirm the session set-up within ${req.timeoutMs} ms (${waiting.size} of ${req.items.length} items unconfirmed).`)),
      req.timeoutMs,
    );
    sock.onClose = (info) => finish(new OpenAIEngineError('upstream_closed', `OpenAI Realtime closed the connection while the session was being set up (${describeClose(info)}).`));
    sock.onEvent = (e) => {
      if (e.type === 'session.updated') {
        sessionAnswered = true;
        session = parseEffectiveSession(e.session);
      } else if (e.type === 'conversation.item.done' || e.type === 'conversation.item.created') {
        const id = (e.item as { id?: string } | undefined)?.id;
        if (id) waiting.delete(id);
      } else if (e.type === 'error') {
        const err = (e.error ?? {}) as ErrorBody;
        if (err.event_id === req.sessionUpdate.event_id) {
          const msg = `OpenAI Realtime refused the session configuration: ${err.message ?? 'no message'}${err.param ? ` (param ${err.param})` : ''}.`;
          if (req.strictSession) return finish(new OpenAIEngineError('upstream_session_rejected', `${msg} Fix the agent's settings (voice, formats, tools, turn detection) for OpenAI.`, { retriable: false }));
          req.logger.error({ code: err.code, param: err.param }, msg);
          sessionAnswered = true;
        } else if (err.event_id && itemByEventId.has(err.event_id)) {
          const id = itemByEventId.get(err.event_id) as string;
          req.logger.warn({ item_id: id, code: err.code, upstream_message: err.message }, 'the new upstream refused a history item; the conversation goes on without it');
          refusedItemIds.push(id);
          waiting.delete(id);
        } else if (err.type === 'server_error') {
          return finish(new OpenAIEngineError('upstream_error', `OpenAI Realtime reported a server error while the session was being set up: ${err.message ?? 'no message'}.`));
        } else {
          req.logger.warn({ code: err.code, upstream_message: err.message }, 'upstream error during session set-up');
        }
      }
      check();
    };
    const sent = sock.send(req.sessionUpdate) && req.items.every((e) => sock.send(e));
    if (!sent) finish(new OpenAIEngineError('upstream_closed', 'OpenAI Realtime closed the connection before the session could be set up.'));
  });
}
