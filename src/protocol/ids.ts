import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'event' | 'item' | 'resp' | 'sess' | 'conv' | 'call' | 'rtc';

/** A node's name (PARLEY_NODE_ID) as it appears in session ids: the one pattern for both. */
export const NODE_NAME = '[a-z0-9][a-z0-9-]{0,39}';

let sessionTag = '';

/**
 * Names this process's node in the session ids it makes from now on (`sess_<node>_…`), so a
 * load balancer can send whatever names a session to the node that holds it. Process-wide: a
 * process is one node.
 */
export function tagSessionIds(node: string | undefined): void {
  sessionTag = node ?? '';
}

const SESSION_NODE = new RegExp(`^sess_(${NODE_NAME})_[A-Za-z0-9]+$`);

/** The node a session id names, if it was made by a named node. */
export function sessionNode(sessionId: string): string | undefined {
  return SESSION_NODE.exec(sessionId)?.[1];
}

/**
 * Ids shaped like OpenAI's (`item_` + 21 base62 chars): clients that store or
 * pattern-match ids keep working, and item ids stay under OpenAI's 32-char cap.
 */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(21);
  let out = prefix === 'sess' && sessionTag ? `sess_${sessionTag}_` : `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
