import type { Migration } from './index.js';

/** API keys for Parley's own API: only a hash of each secret is kept. */
const migration: Migration = {
  version: 2,
  name: 'api_keys',
  statements: [
    `CREATE TABLE api_keys (
      id text PRIMARY KEY,
      name text NOT NULL,
      secret_hash text NOT NULL,
      scopes jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz
    )`,
  ],
};

export default migration;
