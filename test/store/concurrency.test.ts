import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sqlState } from '../../src/store/errors.js';
import { BusinessError, type Store } from '../../src/store/types.js';
import { businessError, forEachBackend, rejection } from './backends.js';

/** Settles `n` calls started together; returns the successes and the BusinessError codes. */
async function race<T>(n: number, call: (i: number) => Promise<T>): Promise<{ ok: T[]; codes: string[] }> {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => call(i)));
  const ok: T[] = [];
  const codes: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else if (r.reason instanceof BusinessError) codes.push(r.reason.code);
    else throw r.reason;
  }
  return { ok, codes };
}

forEachBackend('races and idempotency', (backend) => {
  let store: Store;
  before(async () => {
    // A pool of 10 connections on PostgreSQL, so the bookings really run side by side.
    store = await backend.open({ poolSize: 10 });
  });
  const bookedAt = async (date: string, time: string) =>
    (await store.business.appointments({ date, status: 'booked' })).filter((a) => a.time === time);

  test('50 concurrent bookings of one slot with one doctor: exactly one wins, 49 are told it is taken', async () => {
    const { ok, codes } = await race(50, (i) => store.business.book({ service: 'consultation', date: '2026-12-14', time: '10:00', staff: 'Doctor Smith' }, `race-a-${i}`));
    assert.equal(ok.length, 1);
    assert.deepEqual(codes, Array(49).fill('slot_taken'));
    assert.equal((await bookedAt('2026-12-14', '10:00')).length, 1);
  });

  test('50 concurrent bookings without a named doctor fill both doctors, no more', async () => {
    const { ok, codes } = await race(50, (i) => store.business.book({ service: 'consultation', date: '2026-12-14', time: '11:00' }, `race-b-${i}`));
    assert.deepEqual(ok.map((a) => a.staff).sort(), ['Doctor Patel', 'Doctor Smith']);
    assert.deepEqual(codes, Array(48).fill('slot_taken'));
    assert.equal((await bookedAt('2026-12-14', '11:00')).length, 2);
  });

  test('the same key twice returns the first result and books once', async () => {
    const first = await store.business.book({ service: 'vaccination', date: '2026-12-15', time: '09:00' }, 'call_same_1');
    const second = await store.business.book({ service: 'vaccination', date: '2026-12-15', time: '09:00' }, 'call_same_1');
    assert.deepEqual(second, first);
    assert.equal((await bookedAt('2026-12-15', '09:00')).length, 1);
  });

  test('the same key concurrently: one effect, every caller gets the same appointment', async () => {
    const { ok, codes } = await race(20, () => store.business.book({ service: 'vaccination', date: '2026-12-15', time: '10:00' }, 'call_same_2'));
    assert.deepEqual(codes, []);
    assert.equal(new Set(ok.map((a) => a.id)).size, 1);
    assert.equal((await bookedAt('2026-12-15', '10:00')).length, 1);
    assert.equal((await store.db.query('SELECT 1 FROM idempotency WHERE key = $1', ['call_same_2'])).rows.length, 1);
  });

  test('a stored refusal is replayed even after the slot frees up; a new key books', async () => {
    const blocker = await store.business.book({ service: 'vaccination', date: '2026-12-15', time: '11:00' });
    const refused = await businessError(store.business.book({ service: 'vaccination', date: '2026-12-15', time: '11:00' }, 'call_refused'), 'slot_taken');
    await store.business.cancel({ appointmentId: blocker.id });
    const replay = await businessError(store.business.book({ service: 'vaccination', date: '2026-12-15', time: '11:00' }, 'call_refused'), 'slot_taken');
    assert.deepEqual([replay.message, replay.alternatives], [refused.message, refused.alternatives]);
    assert.equal((await store.business.book({ service: 'vaccination', date: '2026-12-15', time: '11:00' }, 'call_fresh')).time, '11:00');
  });

  test('cancel and reschedule are idempotent too; a key reused for another action is refused', async () => {
    const a = await store.business.book({ service: 'follow-up', date: '2026-12-16', time: '09:00' }, 'call_book_3');
    const c1 = await store.business.cancel({ appointmentId: a.id }, 'call_cancel_3');
    const c2 = await store.business.cancel({ appointmentId: a.id }, 'call_cancel_3');
    assert.deepEqual(c2, c1);
    const b = await store.business.book({ service: 'follow-up', date: '2026-12-16', time: '10:00' });
    const moves = await race(10, () => store.business.reschedule({ appointmentId: b.id }, { date: '2026-12-16', time: '11:00' }, 'call_move_3'));
    assert.equal(moves.ok.length, 10);
    assert.ok(moves.ok.every((m) => m.id === b.id && m.time === '11:00'));
    const wrong = await businessError(store.business.cancel({ appointmentId: b.id }, 'call_book_3'), 'invalid_request');
    assert.match(wrong.message, /different action/);
    assert.equal((await store.business.appointment(b.id))?.status, 'booked');
    // Same key, same action, other arguments: refused rather than answered with the first booking.
    const other = await businessError(store.business.book({ service: 'follow-up', date: '2026-12-16', time: '15:00' }, 'call_book_3'), 'invalid_request');
    assert.match(other.message, /different details/);
    assert.equal((await bookedAt('2026-12-16', '15:00')).length, 0);
    // Key order in the request does not matter.
    const reordered = await store.business.book({ time: '09:00', date: '2026-12-16', service: 'follow-up' }, 'call_book_3');
    assert.equal(reordered.id, a.id);
  });

  test('the database itself rejects an overlapping booking for the same staff member', async () => {
    const insert = (id: string, staff: string, start: string, end: string, minutes: number, status = 'booked') =>
      store.db.query(
        `INSERT INTO appointments (id, service_id, staff_id, starts_at, duration_min, ends_at, status) VALUES ($1, 'svc_consultation', $2, $3::timestamptz, $4, $5::timestamptz, $6)`,
        [id, staff, start, minutes, end, status],
      );
    await insert('sql_1', 'stf_smith', '2026-12-17T15:00:00Z', '2026-12-17T15:30:00Z', 30);
    const err = await rejection(insert('sql_2', 'stf_smith', '2026-12-17T15:15:00Z', '2026-12-17T15:45:00Z', 30));
    assert.equal(sqlState(err), '23P01');
    await insert('sql_3', 'stf_patel', '2026-12-17T15:15:00Z', '2026-12-17T15:45:00Z', 30); // another person
    await insert('sql_4', 'stf_smith', '2026-12-17T15:30:00Z', '2026-12-17T16:00:00Z', 30); // starts as the first ends
    await insert('sql_5', 'stf_smith', '2026-12-17T15:00:00Z', '2026-12-17T15:30:00Z', 30, 'cancelled'); // cancelled rows never block
    const back = await rejection(store.db.query(`UPDATE appointments SET status = 'booked' WHERE id = 'sql_5'`));
    assert.equal(sqlState(back), '23P01');
    const inconsistent = await rejection(insert('sql_6', 'stf_patel', '2026-12-17T18:00:00Z', '2026-12-17T18:10:00Z', 30));
    assert.equal(sqlState(inconsistent), '23514', 'ends_at must equal start + duration');
  });
});
