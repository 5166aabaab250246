import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'event' | 'item' | 'resp' | 'sess' | 'conv' | 'call' | 'rtc';

/**
 * Ids shaped like OpenAI's (`item_` + 21 base62 chars): clients that store or
 * pattern-match ids keep working, and item ids stay under OpenAI's 32-char cap.
 */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(21);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
