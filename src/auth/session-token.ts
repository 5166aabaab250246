import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SignedTokens } from './signed-token.js';

/**
 * Parley's short-lived client secrets for its own engines: a signed claim "this holder may
 * connect to session `sid` of agent `agent` until `exp`". Stateless (HMAC-SHA256), so any node
 * sharing `PARLEY_TOKEN_SECRET` accepts it. `ek_` like OpenAI's ephemeral keys, and only
 * subprotocol-safe characters, so a browser can pass it as `openai-insecure-api-key.<token>`.
 */
export const SessionTokenClaimsSchema = z.strictObject({
  v: z.literal(1),
  agent: z.string(),
  sid: z.string(),
  /** Unix seconds: the last moment the token starts (or resumes) a connection. */
  exp: z.number().int(),
  /** Who minted it: an API key id, `env` for PARLEY_API_KEY, or `anonymous`. */
  iss: z.string(),
  /** The concurrency quota the session counts against (`key:<id>`, `ip:<address>`), none for admins. */
  quota: z.string().nullable(),
  caller: z.string().nullable(),
});

export type SessionTokenClaims = z.infer<typeof SessionTokenClaimsSchema>;

const PREFIX = 'ek_';

/** A 32-byte key, from PARLEY_TOKEN_SECRET or, when unset, random for this process. */
export function tokenKey(secret: string | undefined): Buffer {
  return secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
}

export class SessionTokens {
  private readonly tokens: SignedTokens<typeof SessionTokenClaimsSchema>;

  constructor(key: Buffer, now: () => number = Date.now) {
    this.tokens = new SignedTokens({
      prefix: PREFIX,
      schema: SessionTokenClaimsSchema,
      key,
      now,
      messages: {
        invalid: 'The session token is not valid (not issued by this deployment, or altered); ask POST /api/session for a new one.',
        malformed: 'The session token is malformed; ask POST /api/session for a new one.',
        expired: 'The session token has expired (they are valid for about a minute); ask POST /api/session for a new one.',
      },
    });
  }

  sign(claims: Omit<SessionTokenClaims, 'v'>): string {
    return this.tokens.sign({ v: 1, ...claims });
  }

  /** Whether `presented` looks like one of these tokens (so other checks can be skipped). */
  static looksLike(presented: string): boolean {
    return presented.startsWith(PREFIX) && presented.includes('.');
  }

  verify(presented: string): SessionTokenClaims {
    return this.tokens.verify(presented);
  }
}
