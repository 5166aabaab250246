import { z } from 'zod';
import { SignedTokens } from '../../auth/signed-token.js';

const StreamClaimsSchema = z.strictObject({
  /** The session the webhook opened for the call. */
  sid: z.string(),
  /** The call (CallSid) the stream must belong to. */
  call: z.string(),
  exp: z.number().int(),
});

export type StreamClaims = z.infer<typeof StreamClaimsSchema>;

/**
 * The stream token the TwiML carries in a `<Parameter>`: "the media stream of call `call`
 * may join session `sid` until `exp`". Signed (the stream URL cannot carry a query, and its
 * upgrade is the only other check); single use is the pending call's: it is claimed once.
 */
export class StreamTokens {
  private readonly tokens: SignedTokens<typeof StreamClaimsSchema>;

  constructor(
    key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new SignedTokens({
      prefix: 'st_',
      schema: StreamClaimsSchema,
      key,
      now,
      messages: {
        invalid: 'The stream token is not valid (not issued by this deployment, or altered).',
        malformed: 'The stream token is malformed.',
        expired: 'The stream token has expired: the stream must connect within seconds of the webhook.',
      },
    });
  }

  sign(sessionId: string, callSid: string, ttlS: number): string {
    return this.tokens.sign({ sid: sessionId, call: callSid, exp: Math.floor(this.now() / 1000) + ttlS });
  }

  verify(token: string): StreamClaims {
    return this.tokens.verify(token);
  }
}
