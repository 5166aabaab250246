import { randomBytes } from 'node:crypto';

// Lower-case letters and digits without 0/o/1/l/i, so an id read aloud or typed back is unambiguous.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** `apt_7kq2m9xw3r`: a prefix and 10 random characters (~49 bits). */
export function newId(prefix: string): string {
  const bytes = randomBytes(10);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}
