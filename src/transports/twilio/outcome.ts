import { AGENT_END_REASONS } from '../../session/agent-runtime.js';
import { dialTwiml, hangupTwiml } from './twiml.js';

/** How the call goes on once its stream is over. */
export type CallOutcome = { kind: 'hangup'; words?: string } | { kind: 'transfer'; to: string };

const NOBODY_AVAILABLE = "I'm sorry, nobody is available to take your call right now. Please call again later. Goodbye.";
const TROUBLE = "I'm sorry, we're having technical trouble. Please call again in a few minutes. Goodbye.";

/**
 * What follows a session's end on the phone: `transfer` connects the caller on (or apologises
 * when there is no one to connect to), the agent's own endings hang up, and a session that
 * failed (its engine broke, or it never started) apologises before hanging up rather than
 * leaving the caller in silence.
 */
export function callOutcome(endReason: string | null, transferTo: string | null): CallOutcome {
  if (endReason === 'transfer') return transferTo ? { kind: 'transfer', to: transferTo } : { kind: 'hangup', words: NOBODY_AVAILABLE };
  if (endReason !== null && (AGENT_END_REASONS.has(endReason) || endReason.startsWith('caller hung up'))) return { kind: 'hangup' };
  return { kind: 'hangup', words: TROUBLE };
}

export function outcomeTwiml(outcome: CallOutcome): string {
  return outcome.kind === 'transfer' ? dialTwiml(outcome.to) : hangupTwiml(outcome.words);
}
