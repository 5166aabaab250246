import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import { NOW, rejection } from './backends.js';

const root = mkdtempSync(join(tmpdir(), 'parley-pglite-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the embedded database lives in its folder: created on first start, kept across restarts, seeded once', async () => {
  const dataDir = join(root, 'nested', 'data');
  const first = await openStore({ dataDir, now: () => NOW });
  const booked = await first.business.book({ service: 'cleaning', date: '2026-12-01', time: '09:00' });
  await first.close();

  const second = await openStore({ dataDir, now: () => NOW });
  try {
    assert.deepEqual(await second.business.appointment(booked.id), booked);
    assert.equal((await second.business.services()).length, 5);
    assert.equal((await second.db.query<{ n: number }>('SELECT count(*) AS n FROM customers')).rows[0]?.n, 5);
  } finally {
    await second.close();
  }
});

test('a data folder that cannot be one says so', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'not a folder');
  const err = await rejection(openStore({ dataDir: file }));
  assert.ok(err instanceof StoreError);
  assert.equal(err.code, 'db_open_failed');
  assert.match(err.message, /a-file/);
  assert.match(err.message, /PARLEY_DATA_DIR/);
});
