import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';
import { StoreError, sqlState } from './errors.js';
import type { Database, Queryable } from './types.js';

export interface OpenDatabaseOptions {
  /** PGlite folder (created if missing), or `memory://` for a throwaway database. */
  dataDir: string;
  /** When set, PostgreSQL through a `pg` pool instead of PGlite. */
  databaseUrl?: string;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
}

/*
 * Both backends return the same JavaScript types: `date` as 'YYYY-MM-DD' text (pg would make a
 * local-midnight Date), int8 and numeric as numbers (counts and sums; pg gives strings),
 * timestamptz as Date, json/jsonb parsed.
 */
const OID = { int8: 20, date: 1082, numeric: 1700 } as const;
const asNumber = (v: string): number => Number(v);
const asText = (v: string): string => v;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPglite(opts.dataDir);
}

// ---------------------------------------------------------------- PGlite

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const where = inMemory ? 'memory' : resolve(dataDir);
  let db: PGlite;
  try {
    if (!inMemory) mkdirSync(where, { recursive: true });
    db = await PGlite.create({
      dataDir: inMemory ? dataDir : where,
      extensions: { btree_gist },
      parsers: { [OID.int8]: asNumber, [OID.numeric]: asNumber, [OID.date]: asText },
    });
  } catch (err) {
    throw new StoreError(
      'db_open_failed',
      `Cannot open the embedded database in "${where}": ${messageOf(err)}. Check that the folder is writable and that no other Parley process uses it (set PARLEY_DATA_DIR to another folder), or set DATABASE_URL to use PostgreSQL.`,
      { cause: err },
    );
  }
  // PGlite runs one query at a time; its own transaction() holds a lock that db.query() also
  // waits for, so a transaction is never interleaved with other statements.
  return {
    kind: 'pglite',
    query: async <R>(sql: string, params?: readonly unknown[]) => ({ rows: (await db.query<R>(sql, params ? [...params] : undefined)).rows }),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      db.transaction(async (tx) => fn({ query: async <R>(sql: string, params?: readonly unknown[]) => ({ rows: (await tx.query<R>(sql, params ? [...params] : undefined)).rows }) })),
    close: () => db.close(),
  };
}

// ---------------------------------------------------------------- PostgreSQL

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Database> {
  const target = describeUrl(databaseUrl);
  const types = {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === OID.date) return asText;
      if (oid === OID.int8 || oid === OID.numeric) return asNumber;
      return pg.types.getTypeParser(oid, format as 'text');
    }) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 10_000, application_name: 'parley', types });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectError(err, target);
  }

  const query = async <R>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const r = await client.query(sql, params ? [...params] : undefined);
    return { rows: r.rows as R[] };
  };

  return {
    kind: 'postgres',
    query: (sql, params) => query(pool, sql, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect().catch((err: unknown) => {
        throw connectError(err, target);
      });
      let open = true;
      const tx: Queryable = {
        query: (sql, params) => {
          if (!open) return Promise.reject(new Error('transaction is closed: use the tx only inside its callback'));
          return query(client, sql, params);
        },
      };
      // READ COMMITTED on purpose: idempotency and booking re-read rows other transactions committed while this one waited.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      try {
        const result = await fn(tx);
        await client.query('COMMIT');
        open = false;
        client.release();
        return result;
      } catch (err) {
        open = false;
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackErr) {
          client.release(rollbackErr instanceof Error ? rollbackErr : true); // a broken connection is dropped, not reused
        }
        throw err;
      }
    },
    close: () => pool.end(),
  };
}

/** `postgres://user@host:port/db`: enough to know where, without the password. */
export function describeUrl(databaseUrl: string): string {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    throw new StoreError('db_open_failed', 'DATABASE_URL is not a valid URL; expected postgres://user:password@host:5432/database');
  }
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
  return `postgres://${user}${host}:${u.port || '5432'}${u.pathname || '/'}`;
}

function connectError(err: unknown, target: string): StoreError {
  const state = sqlState(err);
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const msg = messageOf(err);
  if (state === '28P01' || state === '28000')
    return new StoreError('db_auth_failed', `PostgreSQL at ${target} refused the login (${msg}). Check the user name and password in DATABASE_URL, and the server's pg_hba.conf.`, { cause: err });
  if (state === '3D000')
    return new StoreError('db_not_found', `PostgreSQL at ${target}: ${msg}. Create it (createdb) or fix the database name in DATABASE_URL.`, { cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new StoreError('db_connect_failed', `Cannot connect to PostgreSQL at ${target}: the host name does not resolve. Check the host in DATABASE_URL.`, { cause: err });
  return new StoreError(
    'db_connect_failed',
    `Cannot connect to PostgreSQL at ${target} (${msg}). Check that the server is running and reachable on that host and port (firewall, listen_addresses), and the host and port in DATABASE_URL.`,
    { cause: err },
  );
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return messageOf(err.errors[0]);
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}
