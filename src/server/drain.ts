import type { Logger } from 'pino';
import type { SessionRegistry } from '../session/registry.js';
import { waitUntil } from '../util/wait-until.js';

export interface DrainOptions {
  /** How long live sessions may go on by themselves. */
  drainMs: number;
  /** How long an agent's goodbye may take before its session is ended anyway. */
  goodbyeMs: number;
  logger: Logger;
}

/** How long an agent's goodbye may take to be said and played out before its session is ended anyway. */
export const GOODBYE_MS = 20_000;

/**
 * The sessions part of a drain (new sessions are already refused): live calls go on for up to
 * `drainMs`; those still live then are ended the agent's way — it says goodbye, the transport
 * plays it out, the records are flushed — or, past `goodbyeMs`, at once with 1001.
 */
export async function drainSessions(sessions: SessionRegistry, reason: string, opts: DrainOptions): Promise<void> {
  const log = opts.logger;
  if (sessions.size > 0) log.info({ sessions: sessions.size, drain_ms: opts.drainMs }, 'draining: live sessions go on, new ones are refused');
  // Polled: sessions come and go through several transports; 100 ms is nothing next to a call.
  if (await waitUntil(() => sessions.size === 0, opts.drainMs, 100)) return;
  const left = sessions.list();
  log.info({ sessions: left.length }, 'drain timeout: the agents say goodbye');
  await Promise.allSettled(left.map((s) => s.endPolitely('shutdown', opts.goodbyeMs, { reason, code: 1001 })));
}
