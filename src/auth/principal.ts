import { timingSafeEqual } from 'node:crypto';
import { apiKeyId, type ApiKeyStore } from './api-keys.js';
import { AuthError } from './errors.js';
import { allowsAgent, isAdmin, type Scope } from './scopes.js';
import { SessionTokens, type SessionTokenClaims } from './session-token.js';

/** Who is asking: resolved once per request from the credential it carries. */
export type Principal =
  | { kind: 'admin'; id: string }
  | { kind: 'key'; id: string; scopes: readonly Scope[] }
  | { kind: 'token'; id: string; claims: SessionTokenClaims }
  /** `foreign`: a credential was presented that is none of Parley's (an OpenAI SDK's placeholder key, say). */
  | { kind: 'anonymous'; id: 'anonymous'; foreign?: boolean };

export const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous' };

/** The id `PARLEY_API_KEY` goes by in records and limits. */
export const ENV_ADMIN_ID = 'env';

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export interface AuthenticatorDeps {
  /** `PARLEY_API_KEY`: one admin key from the environment. */
  adminKey?: string | undefined;
  /** Keys created with `parley keys create`; absent without a store. */
  keys?: ApiKeyStore | undefined;
  tokens: SessionTokens;
}

/** Credentials → principals: the environment's admin key, stored API keys, session tokens. */
export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  get tokens(): SessionTokens {
    return this.deps.tokens;
  }

  /**
   * '' → anonymous. A Parley key or token must be valid: a wrong, expired or revoked one is
   * refused, never ignored. Anything else (an SDK's placeholder key) grants nothing more than
   * no credential: anonymous, marked foreign, so a refusal can say the credential was wrong.
   */
  async authenticate(presented: string): Promise<Principal> {
    if (!presented) return ANONYMOUS;
    if (this.deps.adminKey && sameSecret(presented, this.deps.adminKey)) return { kind: 'admin', id: ENV_ADMIN_ID };
    if (SessionTokens.looksLike(presented)) {
      const claims = this.deps.tokens.verify(presented);
      return { kind: 'token', id: `token:${claims.sid}`, claims };
    }
    if (!apiKeyId(presented)) return { kind: 'anonymous', id: 'anonymous', foreign: true };
    if (!this.deps.keys) throw new AuthError('invalid_credential', 'API keys are not accepted here: this server has no key store, only PARLEY_API_KEY.');
    const key = await this.deps.keys.verify(presented);
    return isAdmin(key.scopes) ? { kind: 'admin', id: key.id } : { kind: 'key', id: key.id, scopes: key.scopes };
  }
}

/** Throws unless `p` may use the admin API. */
const FOREIGN = 'The credential presented is not valid: it is not PARLEY_API_KEY, a Parley API key (pk_…) or a session token (ek_…).';

export function requireAdmin(p: Principal, what: string): void {
  if (p.kind === 'admin') return;
  if (p.kind === 'anonymous' && p.foreign) throw new AuthError('invalid_credential', `${FOREIGN} ${what} needs an admin key.`);
  if (p.kind === 'anonymous') throw new AuthError('missing_credential', `${what} needs an admin key: send "Authorization: Bearer <key>" with PARLEY_API_KEY or a key made by \`parley keys create --scope admin\`.`);
  throw new AuthError('insufficient_scope', `${what} needs an admin key; this ${p.kind === 'token' ? 'session token' : `key (${p.id})`} does not have the admin scope.`);
}

/**
 * Throws unless `p` may open sessions with `agent`. Public agents are open to anyone, but a
 * session token still binds its holder to the agent it was minted for.
 */
export function requireAgent(p: Principal, agent: { name: string; access: 'public' | 'key' }): void {
  if (p.kind === 'token') {
    if (p.claims.agent === agent.name) return;
    throw new AuthError('insufficient_scope', `This session token is for agent '${p.claims.agent}', not '${agent.name}'.`);
  }
  if (p.kind === 'admin' || agent.access === 'public') return;
  if (p.kind === 'anonymous' && p.foreign) throw new AuthError('invalid_credential', `${FOREIGN} Agent '${agent.name}' needs an API key or a session token.`);
  if (p.kind === 'anonymous') throw new AuthError('missing_credential', `Agent '${agent.name}' needs an API key or a session token: send "Authorization: Bearer <key>" (from a browser: the subprotocol "openai-insecure-api-key.<token>" with a token from POST /api/session).`);
  if (!allowsAgent(p.scopes, agent.name)) throw new AuthError('insufficient_scope', `API key ${p.id} may not use agent '${agent.name}'; give it the scope agent:${agent.name} or agents:*.`);
}
