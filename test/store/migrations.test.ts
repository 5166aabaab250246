import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../../src/store/errors.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS, type Migration } from '../../src/store/migrations/index.js';
import type { Database } from '../../src/store/types.js';
import { forEachBackend, rejection } from './backends.js';

const LATEST = MIGRATIONS.length;

forEachBackend('migrations', (backend) => {
  test('apply once, then nothing: a second run is a no-op', async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    assert.deepEqual(await migrate(db), { applied: MIGRATIONS.map((m) => m.version), version: LATEST });
    assert.deepEqual(await migrate(db), { applied: [], version: LATEST });
    const rows = (await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
    assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  test('two starts at once apply each migration exactly once', async () => {
    const [a, b] = await backend.databases(2);
    assert.ok(a && b);
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    assert.deepEqual([...ra.applied, ...rb.applied].sort(), MIGRATIONS.map((m) => m.version));
    assert.equal((await a.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations')).rows[0]?.n, LATEST);
  });

  test('refuses a database migrated by a newer version', async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    await migrate(db);
    await db.query(`INSERT INTO schema_migrations (version, name) VALUES (99, 'from_the_future')`);
    const err = await rejection(migrate(db));
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'schema_too_new');
    assert.match(err.message, /99 \(from_the_future\)/);
    assert.match(err.message, new RegExp(`knows up to ${LATEST}`));
  });

  test('a failing migration leaves nothing of itself behind', async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    const broken: Migration = { version: LATEST + 1, name: 'broken', statements: ['CREATE TABLE half_done (x integer)', 'SELECT * FROM no_such_table'] };
    const err = await rejection(migrate(db, [...MIGRATIONS, broken]));
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'migration_failed');
    assert.match(err.message, /migration \d+ \(broken\) failed at statement 2/);
    assert.equal((await db.query<{ t: string | null }>(`SELECT to_regclass('half_done')::text AS t`)).rows[0]?.t, null);
    assert.equal((await db.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v, LATEST);
  });
});

test('a migration list out of order is a programming error, caught before touching the database', async () => {
  const first = MIGRATIONS[0];
  assert.ok(first);
  const untouchable = {} as Database; // any use would throw a TypeError, not the message below
  await assert.rejects(migrate(untouchable, [{ ...first, version: 2 }]), /out of order: position 1 holds version 2/);
});
