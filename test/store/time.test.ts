import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PostgresBusinessStore } from '../../src/store/business.js';
import { addDays, parseDate, toInstant, toLocal, weekday } from '../../src/store/time.js';
import type { Database } from '../../src/store/types.js';

test('local time to instant: ordinary days, the spring-forward gap, the fall-back overlap', () => {
  const ny = 'America/New_York';
  assert.equal(toInstant('2026-11-24', 9 * 60, ny).toISOString(), '2026-11-24T14:00:00.000Z');
  assert.equal(toInstant('2026-07-01', 9 * 60, ny).toISOString(), '2026-07-01T13:00:00.000Z');
  // 02:30 does not exist on 2026-03-08: clocks show 03:30 EDT.
  assert.equal(toInstant('2026-03-08', 150, ny).toISOString(), '2026-03-08T07:30:00.000Z');
  // 01:30 happens twice on 2026-11-01: the first (EDT) one.
  assert.equal(toInstant('2026-11-01', 90, ny).toISOString(), '2026-11-01T05:30:00.000Z');
  assert.equal(toInstant('2026-11-01', 180, ny).toISOString(), '2026-11-01T08:00:00.000Z');
  assert.equal(toInstant('2026-07-01', 9 * 60, 'Asia/Kolkata').toISOString(), '2026-07-01T03:30:00.000Z');
  assert.deepEqual(toLocal(new Date('2026-11-01T06:30:00Z'), ny), { date: '2026-11-01', time: '01:30' });
  assert.deepEqual(toLocal(new Date('2026-11-24T04:59:00Z'), ny), { date: '2026-11-23', time: '23:59' });
});

test('calendar helpers', () => {
  assert.equal(parseDate('2026-02-29'), null);
  assert.deepEqual(parseDate('2028-02-29'), { y: 2028, m: 2, d: 29 });
  assert.equal(weekday('2026-11-29'), 0);
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
});

test('an unknown time zone fails at construction, not at the first booking', () => {
  assert.throws(() => new PostgresBusinessStore({} as Database, { timeZone: 'Mars/Olympus' }), RangeError);
});
