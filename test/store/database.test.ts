import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/database.js';
import { StoreError } from '../../src/store/errors.js';
import { findPostgresBinary } from '../helpers/postgres.js';
import { forEachBackend, rejection } from './backends.js';

forEachBackend('database', (backend) => {
  test('transaction commits, and rolls back everything on a throw', async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    await db.query('CREATE TABLE t (x integer PRIMARY KEY)');
    const value = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      return 'done';
    });
    assert.equal(value, 'done');
    const boom = new Error('boom');
    const err = await rejection(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2)');
        throw boom;
      }),
    );
    assert.equal(err, boom);
    assert.deepEqual((await db.query<{ x: number }>('SELECT x FROM t ORDER BY x')).rows, [{ x: 1 }]);
  });

  test('both backends return the same types: date as text, int8 as number, timestamptz as Date, jsonb parsed', async () => {
    const [db] = await backend.databases(1);
    assert.ok(db);
    const row = (
      await db.query<{ d: unknown; n: unknown; t: unknown; j: unknown; s: unknown }>(
        `SELECT '2026-12-25'::date AS d, count(*) AS n, '2026-11-23T15:07:00Z'::timestamptz AS t, $1::text::jsonb AS j, $2::text::jsonb AS s FROM (VALUES (1), (2)) v(x)`,
        [JSON.stringify({ a: [1, 'b'] }), JSON.stringify('plain')],
      )
    ).rows[0];
    assert.equal(row?.d, '2026-12-25');
    assert.equal(row?.n, 2);
    assert.ok(row?.t instanceof Date);
    assert.equal(row.t.toISOString(), '2026-11-23T15:07:00.000Z');
    assert.deepEqual(row.j, { a: [1, 'b'] });
    assert.equal(row.s, 'plain');
  });

  if (backend.kind === 'postgres') {
    test('a transaction holds one connection: its statements see each other, others do not until commit', async () => {
      const [db] = await backend.databases(1);
      assert.ok(db);
      await db.query('CREATE TABLE t (x integer)');
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1)');
        assert.equal((await tx.query('SELECT x FROM t')).rows.length, 1);
        assert.equal((await db.query('SELECT x FROM t')).rows.length, 0);
      });
      assert.equal((await db.query('SELECT x FROM t')).rows.length, 1);
    });

    test('a missing database is named, with what to do', async () => {
      const url = (await backend.server()).url.replace(/\/postgres$/, '/no_such_db');
      const err = await rejection(openDatabase({ dataDir: 'unused', databaseUrl: url }));
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'db_not_found');
      assert.match(err.message, /no_such_db/);
      assert.match(err.message, /createdb/);
    });
  }
});

test('cannot connect: says where and what to check, never the password', async () => {
  // Port 9 (discard) on loopback: nothing listens there.
  const err = await rejection(openDatabase({ dataDir: 'unused', databaseUrl: 'postgres://parley:s3cret-pw@127.0.0.1:9/parley' }));
  assert.ok(err instanceof StoreError);
  assert.equal(err.code, 'db_connect_failed');
  assert.match(err.message, /postgres:\/\/parley@127\.0\.0\.1:9\/parley/);
  assert.match(err.message, /running/);
  assert.doesNotMatch(err.message, /s3cret-pw/);
});

test('an unparseable DATABASE_URL is reported without echoing it', async () => {
  const err = await rejection(openDatabase({ dataDir: 'unused', databaseUrl: 'postgres://user:pw@[bad' }));
  assert.ok(err instanceof StoreError);
  assert.equal(err.code, 'db_open_failed');
  assert.doesNotMatch(err.message, /pw/);
});

test('without PostgreSQL binaries the test server names the package to install', () => {
  assert.throws(() => findPostgresBinary('initdb', { path: '', root: '/nonexistent' }), /sudo apt-get install postgresql/);
  assert.match(findPostgresBinary('pg_ctl'), /pg_ctl$/);
});
