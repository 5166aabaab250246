import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { openDatabase } from '../../src/store/database.js';
import { openStore, type OpenStoreOptions } from '../../src/store/index.js';
import { BusinessError, type Database, type Store } from '../../src/store/types.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

/*
 * Every store test runs twice: on PGlite in memory and on a real PostgreSQL server (one per
 * test file, a fresh database per store). A missing PostgreSQL fails the run, never skips it.
 */

/** The pinned clock: Monday 2026-11-23, 10:07 in New York. */
export const NOW = new Date('2026-11-23T15:07:00Z');

export interface Backend {
  kind: 'pglite' | 'postgres';
  /** A migrated, seeded store on a fresh database (closed after the suite). */
  open(opts?: Partial<OpenStoreOptions>): Promise<Store>;
  /** `n` handles on one fresh, empty database (PGlite: the same handle n times; it has one connection). */
  databases(n: number): Promise<Database[]>;
  /** URL of a fresh PostgreSQL database (postgres only). */
  newDatabaseUrl(): Promise<string>;
  server(): Promise<TestPostgres>;
}

export function forEachBackend(name: string, body: (b: Backend) => void): void {
  for (const kind of ['pglite', 'postgres'] as const) {
    describe(`${name} [${kind}]`, () => {
      let server: Promise<TestPostgres> | undefined;
      const toClose = new Set<{ close(): Promise<void> }>();
      const backend: Backend = {
        kind,
        server: () => (server ??= startPostgres()),
        newDatabaseUrl: async () => (await backend.server()).newDatabase(),
        async open(opts = {}) {
          const databaseUrl = kind === 'postgres' ? await backend.newDatabaseUrl() : undefined;
          const store = await openStore({ dataDir: 'memory://', databaseUrl, now: () => NOW, poolSize: 12, ...opts });
          toClose.add(store);
          return store;
        },
        async databases(n) {
          if (kind === 'pglite') {
            const db = await openDatabase({ dataDir: 'memory://' });
            toClose.add(db);
            return Array.from({ length: n }, () => db);
          }
          const url = await backend.newDatabaseUrl();
          const dbs = await Promise.all(Array.from({ length: n }, () => openDatabase({ dataDir: 'unused', databaseUrl: url })));
          for (const db of dbs) toClose.add(db);
          return dbs;
        },
      };
      after(async () => {
        await Promise.all([...toClose].map((s) => s.close()));
        if (server) await (await server).stop();
      });
      body(backend);
    });
  }
}

/** The rejection of `p`, or a failure if it resolved. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** The BusinessError `p` rejects with (asserting its code when given). */
export async function businessError(p: Promise<unknown>, code?: BusinessError['code']): Promise<BusinessError> {
  const err = await rejection(p);
  assert.ok(err instanceof BusinessError, `expected a BusinessError, got ${String(err)}`);
  if (code !== undefined) assert.equal(err.code, code, `${err.code}: ${err.message}`);
  return err;
}
