import { randomBytes } from 'node:crypto';

/** A Twilio resource id: a two-letter prefix (CA call, AC account, MZ stream) and 32 hex digits. */
export function newSid(prefix: 'CA' | 'AC' | 'MZ'): string {
  return prefix + randomBytes(16).toString('hex');
}

export const SID_PATTERN = { CA: /^CA[0-9a-f]{32}$/, AC: /^AC[0-9a-f]{32}$/, MZ: /^MZ[0-9a-f]{32}$/ } as const;

/** Twilio's date format in call resources and call-progress callbacks (RFC 2822, UTC). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
