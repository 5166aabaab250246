import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Store } from '../../src/store/types.js';
import { NOW, businessError, forEachBackend } from './backends.js';

forEachBackend('book', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.open();
  });

  test('books the first free staff member who does the service, then the next', async () => {
    const a = await store.business.book({ service: 'consultation', date: '2026-12-01', time: '09:00' });
    assert.deepEqual(
      { ...a, id: undefined },
      { id: undefined, service: 'consultation', staff: 'Doctor Patel', customerId: null, date: '2026-12-01', time: '09:00', durationMin: 30, status: 'booked', createdAt: NOW.toISOString() },
    );
    assert.match(a.id, /^apt_[a-z0-9]{10}$/);
    const b = await store.business.book({ service: 'consultation', date: '2026-12-01', time: '09:00' });
    assert.equal(b.staff, 'Doctor Smith');
    assert.deepEqual(await store.business.appointment(a.id), a);
  });

  test('slot taken: the nearest free times that day instead', async () => {
    // Both doctors are booked at 09:00 by the previous test.
    const err = await businessError(store.business.book({ service: 'consultation', date: '2026-12-01', time: '09:00' }), 'slot_taken');
    assert.equal(err.message, 'That time is taken.');
    assert.deepEqual(err.alternatives, ['08:15', '08:30', '09:30']);
  });

  test('named staff and customer are kept', async () => {
    const a = await store.business.book({ service: 'check-up', date: '2026-12-01', time: '11:00', staff: 'Dr. Smith', customerId: 'cus_maria_lopez' });
    assert.equal(a.staff, 'Doctor Smith');
    assert.equal(a.customerId, 'cus_maria_lopez');
    await businessError(store.business.book({ service: 'check-up', date: '2026-12-01', time: '12:00', customerId: 'cus_nobody' }), 'not_found');
  });

  test('closed: Sundays, holidays, and starts that would run past closing', async () => {
    assert.match((await businessError(store.business.book({ service: 'consultation', date: '2026-11-29', time: '10:00' }), 'closed')).message, /Sundays/);
    assert.match((await businessError(store.business.book({ service: 'consultation', date: '2026-12-25', time: '10:00' }), 'closed')).message, /Christmas Day/);
    const late = await businessError(store.business.book({ service: 'consultation', date: '2026-12-01', time: '17:45' }), 'closed');
    assert.match(late.message, /08:00 to 18:00/);
    assert.deepEqual(late.alternatives, ['17:00', '17:15', '17:30']);
    await businessError(store.business.book({ service: 'vaccination', date: '2026-11-28', time: '13:00' }), 'closed');
    await businessError(store.business.book({ service: 'vaccination', date: '2026-11-28', time: '07:45' }), 'closed');
  });

  test('the past, bad input, unknown service or staff', async () => {
    const past = await businessError(store.business.book({ service: 'follow-up', date: '2026-11-23', time: '10:00' }), 'in_the_past');
    assert.deepEqual(past.alternatives, ['10:15', '10:30', '10:45']);
    await businessError(store.business.book({ service: 'follow-up', date: '2026-11-20', time: '10:00' }), 'in_the_past');
    await businessError(store.business.book({ service: 'follow-up', date: '2026-11-24', time: '25:00' }), 'invalid_request');
    await businessError(store.business.book({ service: 'follow-up', date: '24/11/2026', time: '10:00' }), 'invalid_request');
    await businessError(store.business.book({ service: 'massage', date: '2026-11-24', time: '10:00' }), 'unknown_service');
    await businessError(store.business.book({ service: 'follow-up', date: '2026-11-24', time: '10:00', staff: 'Doctor Jones' }), 'unknown_staff');
    assert.equal((await store.business.appointments({ date: '2026-11-24' })).length, 0, 'nothing was booked');
  });

  test('times are local to the business across daylight saving changes', async () => {
    const cases = [
      ['2027-03-12', '14:00:00.000Z'], // Friday before clocks go forward: EST, UTC-5
      ['2027-03-15', '13:00:00.000Z'], // Monday after: EDT, UTC-4
      ['2027-11-05', '13:00:00.000Z'], // Friday before clocks go back: EDT
      ['2027-11-08', '14:00:00.000Z'], // Monday after: EST
    ] as const;
    for (const [date, utc] of cases) {
      const a = await store.business.book({ service: 'follow-up', date, time: '09:00' });
      assert.equal(a.time, '09:00');
      const row = (await store.db.query<{ starts_at: Date; ends_at: Date }>('SELECT starts_at, ends_at FROM appointments WHERE id = $1', [a.id])).rows[0];
      assert.equal(row?.starts_at.toISOString(), `${date}T${utc}`);
      assert.equal(row.ends_at.getTime() - row.starts_at.getTime(), 15 * 60_000);
    }
  });

  test('another time zone', async () => {
    const london = await backend.open({ timeZone: 'Europe/London' });
    const a = await london.business.book({ service: 'follow-up', date: '2027-07-05', time: '09:00' });
    const row = (await london.db.query<{ starts_at: Date }>('SELECT starts_at FROM appointments WHERE id = $1', [a.id])).rows[0];
    assert.equal(row?.starts_at.toISOString(), '2027-07-05T08:00:00.000Z');
  });
});
