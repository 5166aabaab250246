import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ReceptionistBrain } from '../../src/engines/local/brain/receptionist.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { createBuiltinHandlers, type BuiltinHandlers } from '../../src/tools/builtin/handlers.js';
import { BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';
import type { ToolContext, ToolInvocation } from '../../src/tools/types.js';
import { FakeBusinessStore } from './fake-store.js';

const inv = (callId: string): ToolInvocation => ({ callId, idempotencyKey: `sess_test:${callId}`, signal: new AbortController().signal });
const out = (o: { output: unknown }) => o.output as Record<string, unknown>;

describe('built-in tool handlers', () => {
  let store: FakeBusinessStore;
  let h: BuiltinHandlers;
  let ctx: ToolContext;
  beforeEach(() => {
    store = new FakeBusinessStore();
    h = createBuiltinHandlers(store);
    ctx = { sessionId: 's1' };
  });

  it('check_availability lists free times, and answers `available` when a time is asked', async () => {
    await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00' });
    const all = await h.check_availability({ service: 'consultation', date: '2026-11-24' }, ctx, inv('c1'));
    assert.deepEqual(out(all), { service: 'consultation', date: '2026-11-24', available_times: ['09:00', '09:30', '10:30', '11:00', '11:30'] });
    assert.equal(all.error ?? null, null);
    const taken = await h.check_availability({ service: 'consultation', date: '2026-11-24', time: '10:00' }, ctx, inv('c2'));
    assert.equal(out(taken).available, false);
    assert.equal(out(taken).time, '10:00');
    const free = await h.check_availability({ service: 'consultation', date: '2026-11-24', time: '10:30' }, ctx, inv('c3'));
    assert.equal(out(free).available, true);
  });

  it('a BusinessError becomes { error, code } and a ToolResult error', async () => {
    const r = await h.check_availability({ service: 'massage', date: '2026-11-24' }, ctx, inv('c1'));
    assert.deepEqual(out(r), { error: 'we don\'t offer "massage"; we offer a consultation', code: 'unknown_service' });
    assert.deepEqual(r.error, { code: 'unknown_service', message: 'we don\'t offer "massage"; we offer a consultation' });
    const closed = await h.check_availability({ service: 'consultation', date: '2026-11-29' }, ctx, inv('c2'));
    assert.equal(closed.error?.code, 'closed');
  });

  it('book_appointment returns the appointment and keys its effect by the idempotency key of the invocation', async () => {
    const r = await h.book_appointment({ service: 'consultation', date: '2026-11-24', time: '10:00' }, ctx, inv('call_book_1'));
    assert.deepEqual(out(r), { appointment: { id: 'a1', service: 'consultation', staff: 'Doctor Patel', date: '2026-11-24', time: '10:00', duration_min: 30 } });
    assert.equal(store.calls('book')[0]?.key, 'sess_test:call_book_1');
    // The same call id again is the store's business: one appointment, the same answer.
    const again = await h.book_appointment({ service: 'consultation', date: '2026-11-24', time: '10:00' }, ctx, inv('call_book_1'));
    assert.deepEqual(out(again), out(r));
    assert.equal(store.appts.size, 1);
  });

  it('book_appointment with a phone number attaches that customer and the session learns who is calling', async () => {
    const r = await h.book_appointment({ service: 'consultation', date: '2026-11-24', time: '09:00', phone: '555-1234' }, ctx, inv('c1'));
    assert.deepEqual(out(r).customer, { id: 'c1', name: 'Ana Lopez' });
    assert.equal((store.calls('book')[0]?.args as { customerId?: string }).customerId, 'c1');
    assert.equal(ctx.customerId, 'c1');
    // Later bookings in the session are the same caller's without repeating the number.
    await h.book_appointment({ service: 'consultation', date: '2026-11-25', time: '09:00' }, ctx, inv('c2'));
    assert.equal((store.calls('book')[1]?.args as { customerId?: string }).customerId, 'c1');
  });

  it('a taken slot offers the alternatives under `alternatives` and `available_times`', async () => {
    await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00' });
    const r = await h.book_appointment({ service: 'consultation', date: '2026-11-24', time: '10:00' }, ctx, inv('c1'));
    assert.deepEqual(out(r), { error: 'that time is already taken', code: 'slot_taken', alternatives: ['09:00', '09:30', '10:30'], available_times: ['09:00', '09:30', '10:30'] });
    assert.equal(r.error?.code, 'slot_taken');
  });

  it('cancel_appointment by id, and by date and time for the known caller', async () => {
    const a = await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00', customerId: 'c1' });
    const r = await h.cancel_appointment({ appointment_id: a.id }, ctx, inv('call_cancel'));
    assert.equal(out(r).status, 'cancelled');
    assert.equal((out(r).appointment as { id: string }).id, a.id);
    assert.deepEqual(store.calls('cancel')[0], { method: 'cancel', args: { appointmentId: a.id }, key: 'sess_test:call_cancel' });

    await store.book({ service: 'consultation', date: '2026-11-25', time: '11:00', customerId: 'c1' });
    ctx.customerId = 'c1';
    await h.cancel_appointment({ date: '2026-11-25', time: '11:00' }, ctx, inv('call_cancel_2'));
    assert.deepEqual(store.calls('cancel')[1]?.args, { date: '2026-11-25', time: '11:00', customerId: 'c1' });
  });

  it('cancel without a way to find the appointment asks for one, without calling the store', async () => {
    const r = await h.cancel_appointment({}, ctx, inv('c1'));
    assert.equal(r.error?.code, 'invalid_request');
    assert.match(String(out(r).error), /date and time of the appointment, or its id/);
    assert.equal(store.calls('cancel').length, 0);
    // A known caller's "cancel my appointment" goes to the store with their id.
    ctx.customerId = 'c2';
    await h.cancel_appointment({}, ctx, inv('c2'));
    assert.deepEqual(store.calls('cancel')[0]?.args, { customerId: 'c2' });
  });

  it('reschedule_appointment moves it, keyed by the idempotency key of the invocation; a BusinessError maps', async () => {
    const a = await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00' });
    const r = await h.reschedule_appointment({ appointment_id: a.id, new_date: '2026-11-26', new_time: '11:30' }, ctx, inv('call_move'));
    assert.deepEqual(out(r), { status: 'rescheduled', appointment: { id: a.id, service: 'consultation', staff: 'Doctor Patel', date: '2026-11-26', time: '11:30', duration_min: 30 } });
    assert.equal(store.calls('reschedule')[0]?.key, 'sess_test:call_move');
    const missing = await h.reschedule_appointment({ appointment_id: 'nope', new_date: '2026-11-26', new_time: '09:00' }, ctx, inv('c2'));
    assert.deepEqual(missing.error, { code: 'not_found', message: "I couldn't find that appointment" });
  });

  it('lookup_customer finds the caller and the context keeps their customer id', async () => {
    const r = await h.lookup_customer({ phone: '5551234' }, ctx, inv('c1'));
    assert.deepEqual(out(r), { found: true, customer_id: 'c1', name: 'Ana Lopez', account_id: 'A-100' });
    assert.equal(ctx.customerId, 'c1');
    const byAccount = await h.lookup_customer({ account_id: 'A-100' }, { sessionId: 's2' }, inv('c2'));
    assert.equal(out(byAccount).customer_id, 'c1');
  });

  it('lookup_customer: not found is an answer, not an error; nothing to look up is an error', async () => {
    const r = await h.lookup_customer({ phone: '0000000' }, ctx, inv('c1'));
    assert.equal(out(r).found, false);
    assert.equal(out(r).error, undefined);
    assert.equal(r.error ?? null, null);
    assert.equal(ctx.customerId, undefined);
    const none = await h.lookup_customer({}, ctx, inv('c2'));
    assert.equal(none.error?.code, 'invalid_request');
  });

  it('lookup_order answers status, items and eta, or not found', async () => {
    const r = await h.lookup_order({ order_id: '1234' }, ctx, inv('c1'));
    assert.deepEqual(out(r), { order_id: '1234', status: 'out_for_delivery', items: [{ name: 'toothbrush', quantity: 2 }], eta: '2026-11-25' });
    const missing = await h.lookup_order({ order_id: '999' }, ctx, inv('c2'));
    assert.deepEqual(out(missing), { error: 'order 999 was not found', code: 'not_found', order_id: '999' });
  });

  it("lookup_order does not show a known caller someone else's order", async () => {
    ctx.customerId = 'c1';
    const other = await h.lookup_order({ order_id: '5678' }, ctx, inv('c1'));
    assert.equal(other.error?.code, 'not_found');
    const own = await h.lookup_order({ order_id: '1234' }, ctx, inv('c2'));
    assert.equal(own.error ?? null, null);
  });

  it('end_call and transfer_to_human answer ok and ask the session to act', async () => {
    assert.deepEqual(await h.end_call({ reason: 'caller said goodbye' }, ctx, inv('c1')), { output: { ok: true }, action: { action: 'end_call', reason: 'caller said goodbye' } });
    const t = await h.transfer_to_human({}, ctx, inv('c2'));
    assert.deepEqual(t.output, { ok: true });
    assert.equal(t.action?.action, 'transfer');
    assert.ok(t.action.reason.length > 0);
  });

  it('a non-business failure of the store is thrown on, for the runner to report', async () => {
    store.failWith = new Error('connection reset');
    await assert.rejects(h.lookup_order({ order_id: '1234' }, ctx, inv('c1')), /connection reset/);
  });
});

describe('the embedded receptionist brain reads the handlers’ outputs', () => {
  const NOW = new Date('2026-11-23T15:00:00Z');
  const tools = new Set(Object.keys(BUILTIN_TOOLS));

  async function turn(text: string, store: FakeBusinessStore, ctx: ToolContext = { sessionId: 's' }) {
    const brain = new ReceptionistBrain(DEMO_VOCABULARY, () => NOW);
    const reply = brain.respond({ kind: 'user', text }, tools);
    const call = reply.calls[0];
    assert.ok(call, `the brain called no tool for "${text}"`);
    const handlers = createBuiltinHandlers(store);
    const args = BUILTIN_TOOLS[call.name].args.parse(call.args);
    const outcome = await (handlers[call.name] as (a: unknown, c: ToolContext, i: ToolInvocation) => Promise<{ output: unknown }>)(args, ctx, inv('x'));
    return brain.respond({ kind: 'tool_result', name: call.name as BuiltinToolName, args: call.args, output: JSON.stringify(outcome.output) }, tools).say ?? '';
  }

  it('a booking', async () => {
    assert.match(await turn('book a consultation tomorrow at 10 am', new FakeBusinessStore()), /^You're all set/);
  });

  it('a taken time, with alternatives offered', async () => {
    const store = new FakeBusinessStore();
    await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00' });
    assert.match(await turn('book a consultation tomorrow at 10 am', store), /^Sorry, that time is already taken\. I have 9 a\.m\.?.*9:30/i);
  });

  it('availability', async () => {
    assert.match(await turn('is there anything available tomorrow for a consultation', new FakeBusinessStore()), /I have 9.*9:30.*10/);
  });

  it('an order and a customer', async () => {
    assert.match(await turn('where is my order number 1234', new FakeBusinessStore()), /Order 1234 is out for delivery, arriving 2026-11-25/);
    assert.match(await turn('my phone number is 555 1234', new FakeBusinessStore()), /Thanks, Ana Lopez/);
  });
});
