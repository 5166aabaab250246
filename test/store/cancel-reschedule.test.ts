import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Store } from '../../src/store/types.js';
import { businessError, forEachBackend } from './backends.js';

forEachBackend('cancel and reschedule', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.open();
  });
  const free = async (service: string, date: string, time: string, staff?: string) => (await store.business.availability({ service, date, time, staff })).available;

  test('cancel by id frees the slot; cancelling again says so', async () => {
    const a = await store.business.book({ service: 'vaccination', date: '2026-12-02', time: '09:00' });
    assert.equal(await free('vaccination', '2026-12-02', '09:00'), false);
    const c = await store.business.cancel({ appointmentId: a.id });
    assert.deepEqual(c, { ...a, status: 'cancelled' });
    assert.equal(await free('vaccination', '2026-12-02', '09:00'), true);
    assert.match((await businessError(store.business.cancel({ appointmentId: a.id }), 'invalid_request')).message, /already cancelled/);
  });

  test("cancel the customer's appointment by date, or any by date and time", async () => {
    const mine = await store.business.book({ service: 'check-up', date: '2026-12-02', time: '10:00', customerId: 'cus_maria_lopez' });
    const other = await store.business.book({ service: 'check-up', date: '2026-12-02', time: '10:00', customerId: 'cus_james_chen' });
    assert.equal((await store.business.cancel({ customerId: 'cus_maria_lopez', date: '2026-12-02' })).id, mine.id);
    assert.equal((await store.business.appointment(other.id))?.status, 'booked');
    assert.equal((await store.business.cancel({ date: '2026-12-02', time: '10:00' })).id, other.id);
  });

  test('an ambiguous or missing reference is a question, not a guess', async () => {
    await store.business.book({ service: 'consultation', date: '2026-12-03', time: '09:00' });
    await store.business.book({ service: 'consultation', date: '2026-12-03', time: '09:00' });
    const both = await businessError(store.business.cancel({ date: '2026-12-03' }), 'invalid_request');
    assert.match(both.message, /2 appointments on 2026-12-03.*09:00 consultation with Doctor Patel; 09:00 consultation with Doctor Smith/);
    await businessError(store.business.cancel({ date: '2026-12-03', time: '11:00' }), 'not_found');
    await businessError(store.business.cancel({ customerId: 'cus_maria_lopez', date: '2026-12-03' }), 'not_found');
    await businessError(store.business.cancel({ appointmentId: 'apt_nope' }), 'not_found');
    await businessError(store.business.cancel({}), 'invalid_request');
    assert.equal((await store.business.appointments({ date: '2026-12-03', status: 'booked' })).length, 2, 'nothing was cancelled');
  });

  test('a customer with one upcoming appointment needs no date', async () => {
    const a = await store.business.book({ service: 'follow-up', date: '2026-12-04', time: '15:00', customerId: 'cus_sofia_rossi' });
    assert.equal((await store.business.cancel({ customerId: 'cus_sofia_rossi' })).id, a.id);
  });

  test('reschedule keeps the id, moves the time, frees the old slot', async () => {
    const a = await store.business.book({ service: 'cleaning', date: '2026-12-07', time: '09:00', customerId: 'cus_aisha_khan' });
    // Overlapping its own old time is fine: the appointment does not conflict with itself.
    const moved = await store.business.reschedule({ appointmentId: a.id }, { date: '2026-12-07', time: '09:30' });
    assert.deepEqual(moved, { ...a, time: '09:30' });
    const again = await store.business.reschedule({ customerId: 'cus_aisha_khan', date: '2026-12-07' }, { date: '2026-12-08', time: '14:00' });
    assert.equal(again.id, a.id);
    assert.equal(again.date, '2026-12-08');
    assert.equal(await free('cleaning', '2026-12-07', '09:30'), true);
    assert.equal((await store.db.query('SELECT 1 FROM appointments WHERE id = $1', [a.id])).rows.length, 1);
  });

  test('reschedule into a taken slot fails and changes nothing', async () => {
    const a = await store.business.book({ service: 'vaccination', date: '2026-12-09', time: '09:00' });
    await store.business.book({ service: 'vaccination', date: '2026-12-09', time: '09:30' });
    const err = await businessError(store.business.reschedule({ appointmentId: a.id }, { date: '2026-12-09', time: '09:30' }), 'slot_taken');
    // The appointment's own 09:00 counts as free when offering alternatives for it (ties go to the earlier time).
    assert.deepEqual(err.alternatives, ['09:00', '09:15', '09:45']);
    assert.deepEqual(await store.business.appointment(a.id), a);
    await businessError(store.business.reschedule({ appointmentId: a.id }, { date: '2026-12-13', time: '10:00' }), 'closed');
    await businessError(store.business.reschedule({ appointmentId: a.id }, { date: '2026-11-20', time: '10:00' }), 'in_the_past');
  });

  test('reschedule moves to another doctor only if the caller had not asked for one', async () => {
    const blocker = await store.business.book({ service: 'consultation', date: '2026-12-10', time: '14:00', staff: 'Doctor Patel' });
    const any = await store.business.book({ service: 'consultation', date: '2026-12-10', time: '09:00' });
    assert.equal(any.staff, 'Doctor Patel');
    assert.equal((await store.business.reschedule({ appointmentId: any.id }, { date: '2026-12-10', time: '14:00' })).staff, 'Doctor Smith');
    const chosen = await store.business.book({ service: 'consultation', date: '2026-12-10', time: '10:00', staff: 'Doctor Patel' });
    await store.business.cancel({ appointmentId: any.id });
    await businessError(store.business.reschedule({ appointmentId: chosen.id }, { date: '2026-12-10', time: '14:00' }), 'slot_taken');
    assert.equal((await store.business.appointment(blocker.id))?.staff, 'Doctor Patel');
  });

  test('appointments() filters by date, customer and status', async () => {
    const list = await store.business.appointments({ customerId: 'cus_maria_lopez' });
    assert.ok(list.length >= 1);
    assert.ok(list.every((a) => a.customerId === 'cus_maria_lopez'));
    const cancelled = await store.business.appointments({ status: 'cancelled', limit: 2 });
    assert.equal(cancelled.length, 2);
    assert.ok(cancelled.every((a) => a.status === 'cancelled'));
    const day = await store.business.appointments({ date: '2026-12-03' });
    assert.deepEqual(day.map((a) => [a.date, a.time]), [['2026-12-03', '09:00'], ['2026-12-03', '09:00']]);
  });
});
