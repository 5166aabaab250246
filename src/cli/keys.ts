import { parseArgs } from 'node:util';
import { UsageError } from './command.js';
import { ApiKeyStore } from '../auth/api-keys.js';
import { ScopeSchema, ScopesSchema } from '../auth/scopes.js';
import type { Config } from '../config/schema.js';
import { openStore } from '../store/index.js';

export const KEYS_USAGE = `Usage: parley keys <create|list|revoke>

  parley keys create --name <name> --scope <scope> [--scope <scope>…] [--expires-in <days>]
      scopes: admin | agents:* | agent:<agent name>
      prints the key once; only its hash is stored
  parley keys list
  parley keys revoke <key id>

Works on the database of PARLEY_DATA_DIR or DATABASE_URL. The embedded database (PGlite)
is one process's at a time: stop Parley first, or use the admin API (/api/keys).`;

/** `parley keys …`: manage API keys in the configured database. Returns the text to print. */
export async function keysCommand(config: Config, argv: string[]): Promise<string> {
  const [action, ...rest] = argv;
  if (action === 'help' || action === '--help') return `${KEYS_USAGE}\n`;
  if (!action || !['create', 'list', 'revoke'].includes(action)) throw new UsageError(KEYS_USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, 'expires-in': { type: 'string' } },
    allowPositionals: true,
  });
  // Validate before opening the database: a typo should not wait for PGlite.
  let create: { name: string; scopes: ReturnType<typeof ScopesSchema.parse>; expiresAt?: Date } | undefined;
  if (action === 'create') {
    if (!values.name) throw new UsageError(`--name is required.\n\n${KEYS_USAGE}`);
    // Each value on its own: the union's issue for a bad one says only "Invalid input".
    const bad = (values.scope ?? []).filter((s) => !ScopeSchema.safeParse(s).success);
    if (bad.length > 0) throw new UsageError(`Invalid --scope ${bad.map((s) => JSON.stringify(s)).join(', ')}: expected admin, agents:* or agent:<agent name>.\n\n${KEYS_USAGE}`);
    const scopes = ScopesSchema.safeParse(values.scope ?? []);
    if (!scopes.success) throw new UsageError(`Invalid --scope: ${scopes.error.issues.map((i) => i.message).join('; ')}.\n\n${KEYS_USAGE}`);
    const days = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
    if (days !== undefined && !(days > 0)) throw new UsageError('--expires-in takes a number of days greater than 0.');
    create = { name: values.name, scopes: scopes.data, ...(days ? { expiresAt: new Date(Date.now() + days * 86_400_000) } : {}) };
  }
  if (action === 'revoke' && positionals.length !== 1) throw new UsageError(`revoke takes one key id (see parley keys list).\n\n${KEYS_USAGE}`);

  const store = await openStore({ dataDir: config.store.dataDir, databaseUrl: config.store.databaseUrl, seed: false });
  try {
    const keys = new ApiKeyStore(store.db);
    if (create) {
      const { key, secret } = await keys.create(create);
      return `Created ${key.id} (${key.name}; ${key.scopes.join(', ')}${key.expiresAt ? `; expires ${key.expiresAt}` : ''}).\nThe key is shown once; keep it secret:\n\n${secret}\n`;
    }
    if (action === 'list') {
      const all = await keys.list();
      if (all.length === 0) return 'No API keys. Create one with: parley keys create --name <name> --scope admin\n';
      return `${all.map((k) => [k.id, k.name, k.scopes.join(','), k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'active'].join('\t')).join('\n')}\n`;
    }
    const id = positionals[0]!;
    if (!(await keys.revoke(id))) throw new UsageError(`No active key ${id} (see parley keys list).`);
    return `Revoked ${id}.\n`;
  } finally {
    await store.close();
  }
}
