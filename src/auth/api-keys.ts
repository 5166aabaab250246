import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../store/ids.js';
import type { Database } from '../store/types.js';
import { AuthError } from './errors.js';
import { ScopesSchema, type Scope } from './scopes.js';

/**
 * Parley API keys: `pk_<id>_<secret>`. The id finds the row; only a SHA-256 of the secret is
 * stored. The secret is 256 random bits, so a fast hash is enough (a slow password hash
 * protects guessable secrets, and these are not). The whole key is valid in a WebSocket
 * subprotocol (`openai-insecure-api-key.<key>`): letters, digits, `_` and `-` only.
 */
const KEY_PATTERN = /^pk_([a-z2-9]{10})_([A-Za-z0-9_-]{43})$/;

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  key: ApiKey;
  /** The key itself: shown once, never stored. */
  secret: string;
}

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The key's id, if `presented` has the shape of a Parley API key. */
export function apiKeyId(presented: string): string | undefined {
  const m = KEY_PATTERN.exec(presented);
  return m ? `key_${m[1]}` : undefined;
}

interface KeyRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: unknown;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  scopes: ScopesSchema.parse(typeof r.scopes === 'string' ? JSON.parse(r.scopes) : r.scopes),
  createdAt: iso(r.created_at)!,
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
});

/** API keys in the database (PGlite or PostgreSQL): created and revoked with `parley keys`. */
export class ApiKeyStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(req: { name: string; scopes: Scope[]; expiresAt?: Date }): Promise<CreatedApiKey> {
    const scopes = ScopesSchema.parse(req.scopes);
    const id = newId('key');
    const secret = `pk_${id.slice('key_'.length)}_${randomBytes(32).toString('base64url')}`;
    const rows = await this.db.query<KeyRow>(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, expires_at) VALUES ($1, $2, $3, $4::text::jsonb, $5::timestamptz)
       RETURNING id, name, secret_hash, scopes, created_at, expires_at, revoked_at`,
      [id, req.name, hashOf(secret), JSON.stringify(scopes), req.expiresAt?.toISOString() ?? null],
    );
    return { key: toKey(rows.rows[0]!), secret };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.query<KeyRow>('SELECT id, name, secret_hash, scopes, created_at, expires_at, revoked_at FROM api_keys ORDER BY created_at, id');
    return rows.rows.map(toKey);
  }

  /** Revokes at once; false when there is no such key (or it was already revoked). */
  async revoke(id: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE api_keys SET revoked_at = $2::timestamptz WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, this.now().toISOString()]);
    return rows.rows.length > 0;
  }

  /** Whether any admin key is usable (not revoked, not expired). */
  async hasActiveAdmin(): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1::timestamptz) AND scopes @> '["admin"]'::jsonb LIMIT 1`,
      [this.now().toISOString()],
    );
    return rows.rows.length > 0;
  }

  /** The key `presented` is, if it is a valid, current one; an AuthError saying why not otherwise. */
  async verify(presented: string): Promise<ApiKey> {
    const id = apiKeyId(presented);
    if (!id) throw new AuthError('invalid_credential', 'The credential is not a Parley API key or token.');
    const row = (await this.db.query<KeyRow>('SELECT id, name, secret_hash, scopes, created_at, expires_at, revoked_at FROM api_keys WHERE id = $1', [id])).rows[0];
    const given = Buffer.from(hashOf(presented), 'hex');
    // Compare even when there is no row, so a missing id and a wrong secret take the same time.
    const stored = Buffer.from(row?.secret_hash ?? hashOf('absent'), 'hex');
    if (!row || !timingSafeEqual(given, stored)) throw new AuthError('invalid_credential', 'The API key is not valid: check it was copied whole, or create a new one with `parley keys create`.');
    if (row.revoked_at) throw new AuthError('credential_revoked', `API key ${row.id} was revoked; create a new one with \`parley keys create\`.`);
    if (row.expires_at && new Date(row.expires_at).getTime() <= this.now().getTime()) throw new AuthError('credential_expired', `API key ${row.id} expired at ${iso(row.expires_at)}; create a new one with \`parley keys create\`.`);
    return toKey(row);
  }
}
