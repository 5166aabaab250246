import { PostgresBusinessStore } from './business.js';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { PostgresRecordStore } from './records.js';
import { PhoneCallStore } from './phone-calls.js';
import { seedDemoData } from './seed.js';
import type { Store } from './types.js';

export { PostgresBusinessStore, type BusinessStoreOptions } from './business.js';
export { openDatabase, type OpenDatabaseOptions } from './database.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { migrate, type MigrationResult } from './migrate.js';
export { PostgresRecordStore } from './records.js';
export { FINAL_CALL_STATUSES, PhoneCallStore, type PhoneCallEvent, type PhoneCallRecord } from './phone-calls.js';
export { seedDemoData } from './seed.js';
export * from './types.js';

export interface OpenStoreOptions {
  /** PGlite folder (created if missing); `memory://` for a throwaway database. */
  dataDir: string;
  /** PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** The business's IANA time zone (default America/New_York). */
  timeZone?: string;
  now?: () => Date;
  /** Seed the demo clinic into an empty database (default true). */
  seed?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/** Opens the database, brings its schema up to date, seeds it on first start. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const db = await openDatabase({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, poolSize: opts.poolSize });
  try {
    await migrate(db);
    if (opts.seed ?? true) await seedDemoData(db);
    const business = new PostgresBusinessStore(db, { timeZone: opts.timeZone, now: opts.now });
    return { db, business, records: new PostgresRecordStore(db), calls: new PhoneCallStore(db), close: () => db.close() };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
