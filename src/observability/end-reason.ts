import type { SessionEnd } from '../session/realtime-session.js';

/**
 * Why sessions end, as a bounded metric label. End reasons are free text (they carry close
 * codes, timeouts, URLs); a label must not be, so they are grouped by what an operator does
 * about them.
 */
export const END_REASONS = ['client_closed', 'hangup', 'end_call', 'transfer', 'idle', 'max_duration', 'budget', 'resumed', 'shutdown', 'rate_limited', 'error', 'other'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** The agent's own reasons (AGENT_END_REASONS): already words. */
const AGENT: Readonly<Record<string, EndReason>> = { end_call: 'end_call', transfer: 'transfer', max_duration: 'max_duration', budget: 'budget', idle_timeout: 'idle', shutdown: 'shutdown' };

/** What transports and the server pass to `session.end()`, by how the reason begins. */
const PREFIXES: readonly (readonly [string, EndReason])[] = [
  // The caller's side went away: a socket, data channel or peer connection closed, a phone hung up.
  ['client closed', 'client_closed'],
  ['caller hung up', 'client_closed'],
  ['client left before', 'client_closed'],
  ['the media stream ended', 'client_closed'],
  // The call never got going: worth an alert (ICE ports, a Twilio stream that never came).
  ['client never connected', 'error'],
  ['the media stream never connected', 'error'],
  ['the call could not be answered', 'error'],
  ['engine closed', 'error'],
  // Someone ended it on purpose: the hangup API or an operator.
  ['hung up', 'hangup'],
  ['resumed', 'resumed'],
  ['server shutting down', 'shutdown'],
  ['rate_limited', 'rate_limited'],
];

/** The bounded category of a session's end. */
export function endReason(end: SessionEnd): EndReason {
  const agent = AGENT[end.reason];
  if (agent) return agent;
  // 1001 "going away" is what a draining server closes with, whatever words come with it.
  if (end.code === 1001) return 'shutdown';
  for (const [prefix, category] of PREFIXES) if (end.reason.startsWith(prefix)) return category;
  // 1011: the session failed (an engine closed it) in words not listed above.
  return end.code === 1011 ? 'error' : 'other';
}
