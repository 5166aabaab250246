import { StoreError } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import type { Database, Queryable } from './types.js';

/**
 * Key of the advisory lock that serialises schema changes and seeding, so two Parley
 * processes starting on one database at once neither race nor half-apply a migration.
 */
export const SCHEMA_LOCK_KEY = 4_117_151_001;

export interface MigrationResult {
  /** Versions this call applied (empty when the schema was already current). */
  applied: number[];
  /** The schema version now. */
  version: number;
}

/**
 * Applies pending migrations in order, each in its own transaction under the advisory lock.
 * Refuses (StoreError 'schema_too_new') when the database holds a version this code does not know.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  checkOrder(migrations);
  const known = new Set(migrations.map((m) => m.version));
  const done = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = (await tx.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
    const unknown = rows.filter((r) => !known.has(r.version));
    if (unknown.length > 0) {
      const max = migrations.at(-1)?.version ?? 0;
      throw new StoreError(
        'schema_too_new',
        `The database has schema migration ${unknown.map((r) => `${r.version} (${r.name})`).join(', ')}, which this version of Parley does not know (it knows up to ${max}). ` +
          'It was probably upgraded by a newer Parley: run that version, or point PARLEY_DATA_DIR / DATABASE_URL at another database.',
      );
    }
    return new Set(rows.map((r) => r.version));
  });

  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      // Another process may have applied it while this one waited for the lock.
      const already = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (already.rows.length > 0) return false;
      for (const [i, sql] of m.statements.entries()) {
        try {
          await tx.query(sql);
        } catch (err) {
          throw migrationError(m, i, sql, err);
        }
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return { applied, version: migrations.at(-1)?.version ?? 0 };
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: position ${i + 1} holds version ${m.version} (${m.name})`);
  });
}

function migrationError(m: Migration, index: number, sql: string, err: unknown): StoreError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/btree_gist/i.test(sql)) {
    return new StoreError(
      'db_extension_missing',
      `The database cannot enable the btree_gist extension (${msg}). It ships with PostgreSQL's contrib modules (Debian: the postgresql package; elsewhere postgresql-contrib); ` +
        'if the Parley database user may not create extensions, have a superuser run CREATE EXTENSION btree_gist; in this database.',
      { cause: err },
    );
  }
  return new StoreError('migration_failed', `Schema migration ${m.version} (${m.name}) failed at statement ${index + 1}: ${msg}. Nothing of it was applied.`, { cause: err });
}
