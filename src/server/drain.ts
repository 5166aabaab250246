import type { Logger } from 'pino';
import type { SessionRegistry } from '../session/registry.js';

export interface DrainOptions {
  /** How long live sessions may go on by themselves. */
  drainMs: number;
  /** How long an agent's goodbye may take before its session is ended anyway. */
  goodbyeMs: number;
  logger: Logger;
}

/** How long an agent's goodbye may take to be said and played out before its session is ended anyway. */
export const GOODBYE_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when the registry is empty, or after `ms`; true if it emptied. */
async function emptied(sessions: SessionRegistry, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  // Polled: sessions come and go through several transports; 100 ms is nothing next to a call.
  while (sessions.size > 0 && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
  return sessions.size === 0;
}

/**
 * The sessions part of a drain (new sessions are already refused): live calls go on for up to
 * `drainMs`; those still live then are ended the agent's way — it says goodbye, the transport
 * plays it out, the records are flushed — or, past `goodbyeMs`, at once with 1001.
 */
export async function drainSessions(sessions: SessionRegistry, reason: string, opts: DrainOptions): Promise<void> {
  const log = opts.logger;
  if (sessions.size > 0) log.info({ sessions: sessions.size, drain_ms: opts.drainMs }, 'draining: live sessions go on, new ones are refused');
  if (await emptied(sessions, opts.drainMs)) return;
  const left = sessions.list();
  log.info({ sessions: left.length }, 'drain timeout: the agents say goodbye');
  await Promise.allSettled(left.map((s) => s.endPolitely('shutdown', opts.goodbyeMs, { reason, code: 1001 })));
}
