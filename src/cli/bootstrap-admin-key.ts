import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiKeyStore } from '../auth/api-keys.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/types.js';

/**
 * The admin API always needs an admin key. So that a first start on a fresh machine is usable
 * without set-up, Parley makes one when there is none (no PARLEY_API_KEY, no active admin key)
 * and writes it to `<data dir>/admin-key`, readable by this user only. The key is never logged.
 */
export async function bootstrapAdminKey(config: Config, store: Store, logger: Logger): Promise<void> {
  if (config.server.apiKey || config.store.dataDir.startsWith('memory://')) return;
  const keys = new ApiKeyStore(store.db);
  if (await keys.hasActiveAdmin()) return;
  const file = join(config.store.dataDir, 'admin-key');
  if (existsSync(file)) {
    logger.warn({ file }, 'the admin key in this file is no longer valid (revoked or expired); delete the file to make a new one at the next start');
    return;
  }
  const { key, secret } = await keys.create({ name: 'bootstrap', scopes: ['admin'] });
  mkdirSync(config.store.dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  logger.info({ key_id: key.id, file }, `made an admin key for the admin API and the admin view: it is in ${file}`);
}
