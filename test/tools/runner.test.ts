import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolRegistry } from '../../src/tools/registry.js';
import { ToolRunner, type ToolRunnerOptions } from '../../src/tools/runner.js';
import { ToolSpecSchema, type ToolSpec } from '../../src/tools/spec.js';
import type { ToolCall, ToolContext } from '../../src/tools/types.js';
import { FakeBusinessStore } from './fake-store.js';

const specs = (raw: unknown[]): ToolSpec[] => raw.map((s) => ToolSpecSchema.parse(s));

const CLIENT_TOOL = {
  type: 'client',
  name: 'show_map',
  description: 'Show a map on the caller’s screen',
  parameters: { type: 'object', properties: { place: { type: 'string' }, zoom: { type: 'integer', minimum: 1 } }, required: ['place'], additionalProperties: false },
};

/** Holds store calls open until released. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('ToolRunner', () => {
  let store: FakeBusinessStore;
  let ctx: ToolContext;
  const runner = (opts: ToolRunnerOptions = {}) =>
    new ToolRunner(ToolRegistry.fromSpecs(specs(['check_availability', 'book_appointment', 'lookup_customer', 'lookup_order', 'end_call', CLIENT_TOOL]), { business: store }), opts);
  const call = (name: string, args: unknown, callId = `call_${Math.random().toString(36).slice(2)}`): ToolCall => ({ callId, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });
  const output = (r: { output: string }) => JSON.parse(r.output) as Record<string, unknown>;

  beforeEach(() => {
    store = new FakeBusinessStore();
    ctx = { sessionId: 'sess_1' };
  });

  it('runs a built-in tool and answers its output as JSON text', async () => {
    const r = await runner().run(call('lookup_order', { order_id: '1234' }, 'call_1'), ctx);
    assert.equal(r.callId, 'call_1');
    assert.equal(r.name, 'lookup_order');
    assert.equal(r.error, null);
    assert.deepEqual(output(r), { order_id: '1234', status: 'out_for_delivery', items: [{ name: 'toothbrush', quantity: 2 }], eta: '2026-11-25' });
    assert.ok(r.latencyMs >= 0);
  });

  it('keys side effects by session and call id: the same call id in another session is another booking', async () => {
    const args = { service: 'consultation', date: '2026-11-24', time: '10:00' };
    await runner().run(call('book_appointment', args, 'call_same'), ctx);
    await runner().run(call('book_appointment', { ...args, time: '10:30' }, 'call_same'), { sessionId: 'sess_2' });
    assert.deepEqual(
      store.calls('book').map((c) => c.key),
      ['sess_1:call_same', 'sess_2:call_same'],
    );
    assert.equal(store.appts.size, 2);
  });

  it('an unknown tool lists the available ones', async () => {
    const r = await runner().run(call('launch_rocket', {}), ctx);
    assert.equal(r.error?.code, 'unknown_tool');
    assert.equal(output(r).error, 'unknown tool "launch_rocket"; available: check_availability, book_appointment, lookup_customer, lookup_order, end_call, show_map');
  });

  it('arguments that are not a JSON object are invalid_arguments', async () => {
    const r = await runner().run(call('lookup_order', '{"order_id": "12'), ctx);
    assert.equal(r.error?.code, 'invalid_arguments');
    assert.match(r.error?.message ?? '', /not a JSON object/);
    const arr = await runner().run(call('lookup_order', '[1]'), ctx);
    assert.equal(arr.error?.code, 'invalid_arguments');
    assert.equal(store.log.length, 0);
  });

  it('schema violations name the fields, so a model can correct itself', async () => {
    const r = await runner().run(call('book_appointment', { date: '24/11/2026', time: '10:00', colour: 'blue' }), ctx);
    assert.equal(r.error?.code, 'invalid_arguments');
    const o = output(r);
    assert.deepEqual(o.issues, [
      { path: 'service', message: 'required (string)' },
      { path: 'date', message: 'a date as YYYY-MM-DD' },
      { path: 'colour', message: 'is not a parameter of this tool' },
    ]);
    assert.equal(o.error, 'invalid arguments for book_appointment: service: required (string); date: a date as YYYY-MM-DD; colour: is not a parameter of this tool');
    assert.equal(store.calls('book').length, 0);
  });

  it('an empty arguments string is an empty object', async () => {
    const r = await runner().run(call('end_call', ''), ctx);
    assert.equal(r.error, null);
    assert.deepEqual(r.action?.action, 'end_call');
  });

  it('end_call carries its session action', async () => {
    const r = await runner().run(call('end_call', { reason: 'caller said goodbye' }), ctx);
    assert.deepEqual(output(r), { ok: true });
    assert.deepEqual(r.action, { action: 'end_call', reason: 'caller said goodbye' });
  });

  it('a business rule failure is an error result with the store code', async () => {
    await store.book({ service: 'consultation', date: '2026-11-24', time: '10:00' });
    const r = await runner().run(call('book_appointment', { service: 'consultation', date: '2026-11-24', time: '10:00' }), ctx);
    assert.equal(r.error?.code, 'slot_taken');
    assert.deepEqual(output(r).available_times, ['09:00', '09:30', '10:30']);
  });

  it('what lookup_customer learns serves the next call of the session', async () => {
    const run = runner();
    await run.run(call('lookup_customer', { phone: '5559876' }), ctx);
    assert.equal(ctx.customerId, 'c2');
    await run.run(call('book_appointment', { service: 'consultation', date: '2026-11-24', time: '11:00' }), ctx);
    assert.equal((store.calls('book')[0]?.args as { customerId?: string }).customerId, 'c2');
  });

  it('a tool that does not finish in time answers tool_timeout', async () => {
    store.gate = new Promise(() => {});
    const started = Date.now();
    const r = await runner({ timeoutMs: 60 }).run(call('lookup_order', { order_id: '1234' }), ctx);
    assert.equal(r.error?.code, 'tool_timeout');
    assert.match(output(r).error as string, /did not finish within 60 ms/);
    assert.ok(Date.now() - started >= 55);
    assert.ok(r.latencyMs >= 55);
  });

  it('a throw is tool_failed with a message safe to show; the error itself goes to onError', async () => {
    const internal = new Error('relation "orders" does not exist');
    store.failWith = internal;
    const logged: unknown[] = [];
    const r = await runner({ onError: (_c, e) => logged.push(e) }).run(call('lookup_order', { order_id: '1234' }), ctx);
    assert.equal(r.error?.code, 'tool_failed');
    assert.ok(!r.output.includes('relation'), r.output);
    assert.ok(!r.output.includes(' at '), 'no stack');
    assert.deepEqual(logged, [internal]);
  });

  it('runs a call id exactly once, for concurrent duplicates and after completion', async () => {
    const g = gate();
    store.gate = g.promise;
    const run = runner();
    const c = call('book_appointment', { service: 'consultation', date: '2026-11-24', time: '09:00' }, 'call_dup');
    const first = run.run(c, ctx);
    const second = run.run(c, ctx);
    assert.equal(second, first, 'the same promise');
    await sleep(5);
    g.open();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a, b);
    assert.equal(a.error, null);
    const third = await run.run(c, ctx);
    assert.equal(third, a, 'the same result after completion');
    // Even a duplicate with other arguments is the first call's answer.
    const other = await run.run({ ...c, arguments: '{"service":"consultation","date":"2026-11-25","time":"11:00"}' }, ctx);
    assert.equal(other, a);
    assert.equal(store.calls('book').length, 1);
    assert.equal(run.has('call_dup'), true);
  });

  it('remembers a bounded number of finished calls', async () => {
    const run = runner({ maxRemembered: 2 });
    for (const id of ['c1', 'c2', 'c3', 'c4']) await run.run(call('lookup_order', { order_id: '1234' }, id), ctx);
    assert.equal(run.has('c1'), false);
    assert.equal(run.has('c4'), true);
    await run.run(call('lookup_order', { order_id: '1234' }, 'c1'), ctx);
    assert.equal(store.calls('order').length, 5, 'a forgotten id runs again');
  });

  it('forgets finished calls after rememberMs', async () => {
    let now = 0;
    const run = runner({ rememberMs: 1000, now: () => now });
    await run.run(call('lookup_order', { order_id: '1234' }, 'old'), ctx);
    now = 2000;
    await run.run(call('lookup_order', { order_id: '1234' }, 'new'), ctx);
    assert.equal(run.has('old'), false);
    assert.equal(run.has('new'), true);
  });

  it('onSlow fires once for a call still running after fillerAfterMs', async () => {
    const g = gate();
    store.gate = g.promise;
    const slow: string[] = [];
    const p = runner({ fillerAfterMs: 20, onSlow: (c) => slow.push(c.callId) }).run(call('lookup_order', { order_id: '1234' }, 'slow_1'), ctx);
    await sleep(80);
    g.open();
    const r = await p;
    assert.equal(r.error, null);
    assert.deepEqual(slow, ['slow_1']);
  });

  it('onSlow does not fire for a call that finishes sooner, nor for calls that fail validation', async () => {
    const slow: string[] = [];
    const run = runner({ fillerAfterMs: 30, onSlow: (c) => slow.push(c.callId) });
    await run.run(call('lookup_order', { order_id: '1234' }), ctx);
    await run.run(call('lookup_order', {}), ctx);
    await sleep(60);
    assert.deepEqual(slow, []);
  });

  it('a per-call onSlow hook replaces the runner’s', async () => {
    const g = gate();
    store.gate = g.promise;
    const calls: string[] = [];
    const p = runner({ fillerAfterMs: 10, onSlow: () => calls.push('runner') }).run(call('lookup_order', { order_id: '1234' }), ctx, { onSlow: () => calls.push('session') });
    await sleep(40);
    g.open();
    await p;
    assert.deepEqual(calls, ['session']);
  });

  it('client-side tools are validated, then passed through unexecuted', async () => {
    const run = runner();
    assert.equal(run.handles('show_map'), false);
    assert.equal(run.handles('lookup_order'), true);
    const r = await run.run(call('show_map', { place: 'Maple Street', zoom: 3 }, 'call_map'), ctx);
    assert.deepEqual(r, { callId: 'call_map', name: 'show_map', output: '', error: null, latencyMs: 0, clientSide: true });
    const bad = await run.run(call('show_map', { zoom: 0, extra: true }), ctx);
    assert.equal(bad.error?.code, 'invalid_arguments');
    assert.deepEqual(output(bad).issues, [
      { path: 'place', message: 'required' },
      { path: 'extra', message: 'is not a parameter of this tool' },
      { path: 'zoom', message: 'must be >= 1' },
    ]);
  });
});
