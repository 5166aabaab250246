import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Store } from '../../src/store/types.js';
import { businessError, forEachBackend } from './backends.js';

/** Every 15 minutes from `from` to `to` inclusive. */
function grid(from: string, to: string): string[] {
  const m = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const out: string[] = [];
  for (let x = m(from); x <= m(to); x += 15) out.push(`${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`);
  return out;
}

forEachBackend('availability', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.open();
  });

  test('weekday hours on a 15-minute grid; the last start leaves room for the duration', async () => {
    const consultation = await store.business.availability({ service: 'consultation', date: '2026-11-24' });
    assert.deepEqual(consultation, { service: 'consultation', date: '2026-11-24', availableTimes: grid('08:00', '17:30') });
    const cleaning = await store.business.availability({ service: 'cleaning', date: '2026-11-24' });
    assert.deepEqual(cleaning.availableTimes, grid('08:00', '17:15'));
  });

  test('Saturday short hours; Sunday and holidays closed', async () => {
    assert.deepEqual((await store.business.availability({ service: 'vaccination', date: '2026-11-28' })).availableTimes, grid('09:00', '12:45'));
    const sunday = await store.business.availability({ service: 'vaccination', date: '2026-11-29', time: '10:00' });
    assert.deepEqual(sunday, { service: 'vaccination', date: '2026-11-29', availableTimes: [], available: false });
    assert.deepEqual((await store.business.availability({ service: 'consultation', date: '2026-12-25' })).availableTimes, []);
    assert.deepEqual((await store.business.availability({ service: 'consultation', date: '2027-01-01' })).availableTimes, []);
    assert.equal((await store.business.availability({ service: 'consultation', date: '2027-01-04' })).availableTimes.length, 39);
  });

  test('no past times: today starts after now (10:07), earlier days are empty', async () => {
    const today = await store.business.availability({ service: 'follow-up', date: '2026-11-23', time: '10:00' });
    assert.deepEqual(today.availableTimes, grid('10:15', '17:45'));
    assert.equal(today.available, false);
    assert.deepEqual((await store.business.availability({ service: 'follow-up', date: '2026-11-20' })).availableTimes, []);
  });

  test('booked appointments block overlapping starts, per staff member', async () => {
    await store.business.book({ service: 'consultation', date: '2026-11-30', time: '10:00', staff: 'Doctor Smith' });
    const oneDoctorBusy = await store.business.availability({ service: 'consultation', date: '2026-11-30' });
    assert.ok(oneDoctorBusy.availableTimes.includes('10:00'), 'Doctor Patel is still free');
    await store.business.book({ service: 'consultation', date: '2026-11-30', time: '10:00', staff: 'Doctor Patel' });
    const times = (await store.business.availability({ service: 'consultation', date: '2026-11-30' })).availableTimes;
    for (const blocked of ['09:45', '10:00', '10:15']) assert.ok(!times.includes(blocked), `${blocked} overlaps`);
    for (const free of ['09:30', '10:30']) assert.ok(times.includes(free), `${free} touches but does not overlap`);
    // Nurse Garcia also does check-ups, so 10:00 stays open for those, but not with Doctor Smith.
    assert.equal((await store.business.availability({ service: 'check-up', date: '2026-11-30', time: '10:00' })).available, true);
    assert.equal((await store.business.availability({ service: 'check-up', date: '2026-11-30', time: '10:00', staff: 'Doctor Smith' })).available, false);
    // A cancelled appointment no longer blocks.
    const [first] = await store.business.appointments({ date: '2026-11-30' });
    assert.ok(first);
    await store.business.cancel({ appointmentId: first.id });
    assert.ok((await store.business.availability({ service: 'consultation', date: '2026-11-30' })).availableTimes.includes('10:00'));
  });

  test('an asked time need not be on the grid', async () => {
    const r = await store.business.availability({ service: 'follow-up', date: '2026-11-25', time: '10:10' });
    assert.equal(r.available, true);
    assert.equal((await store.business.availability({ service: 'follow-up', date: '2026-11-25', time: '17:50' })).available, false, 'would end after closing');
  });

  test('service and staff names as callers say them', async () => {
    assert.equal((await store.business.availability({ service: 'Check-ups', date: '2026-11-25' })).service, 'check-up');
    assert.equal((await store.business.availability({ service: 'checkup', date: '2026-11-25' })).service, 'check-up');
    const withPatel = await store.business.availability({ service: 'consultation', date: '2026-11-25', staff: 'Dr. Patel' });
    assert.equal(withPatel.availableTimes.length, 39);
    assert.equal((await store.business.availability({ service: 'vaccination', date: '2026-11-25', staff: 'garcia' })).availableTimes.length, 40);
  });

  test('unknown service or staff, staff who does not do the service, bad dates', async () => {
    const unknown = await businessError(store.business.availability({ service: 'x-ray', date: '2026-11-25' }), 'unknown_service');
    assert.match(unknown.message, /consultation/);
    await businessError(store.business.availability({ service: 'consultation', date: '2026-11-25', staff: 'Doctor Who' }), 'unknown_staff');
    const notTheirs = await businessError(store.business.availability({ service: 'consultation', date: '2026-11-25', staff: 'Nurse Garcia' }), 'invalid_request');
    assert.match(notTheirs.message, /Nurse Garcia doesn't do consultation/);
    await businessError(store.business.availability({ service: 'consultation', date: '2026-02-30' }), 'invalid_request');
    await businessError(store.business.availability({ service: 'consultation', date: '2026-11-25', time: '9am' }), 'invalid_request');
  });
});
