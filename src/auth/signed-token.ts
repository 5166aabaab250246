import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { AuthError } from './errors.js';

/** What a holder is told when a token is refused: each says what to do instead. */
export interface SignedTokenMessages {
  invalid: string;
  malformed: string;
  expired: string;
}

/**
 * Stateless signed claims: `<prefix><base64url JSON>.<HMAC-SHA256>`, only URL- and
 * subprotocol-safe characters. One key signs several kinds of token; each kind mixes its
 * prefix into the MAC, so a token of one kind is never accepted as another.
 */
export class SignedTokens<S extends z.ZodType<{ exp: number }>> {
  constructor(
    private readonly opts: { prefix: string; schema: S; key: Buffer; messages: SignedTokenMessages; now?: () => number },
  ) {}

  sign(claims: z.input<S>): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${this.opts.prefix}${payload}.${this.mac(payload)}`;
  }

  /** Whether `presented` has this kind's shape (so other checks can be skipped). */
  looksLike(presented: string): boolean {
    return presented.startsWith(this.opts.prefix) && presented.includes('.');
  }

  /** The claims of a genuine, unexpired token; an AuthError otherwise. */
  verify(presented: string): z.output<S> {
    const { messages } = this.opts;
    const [payload = '', mac = ''] = presented.slice(this.opts.prefix.length).split('.');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (!presented.startsWith(this.opts.prefix) || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError('invalid_credential', messages.invalid);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new AuthError('invalid_credential', messages.malformed);
    }
    const claims = this.opts.schema.safeParse(json);
    if (!claims.success) throw new AuthError('invalid_credential', messages.malformed);
    if (claims.data.exp * 1000 <= (this.opts.now ?? Date.now)()) throw new AuthError('credential_expired', messages.expired);
    return claims.data;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.opts.key).update(`${this.opts.prefix}${payload}`).digest('base64url');
  }
}
