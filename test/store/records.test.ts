import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeAction } from '../../src/store/actions.js';
import type { Store } from '../../src/store/types.js';
import { forEachBackend } from './backends.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 15, minute)).toISOString();

forEachBackend('records', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.open({ seed: false });
  });

  test('a session with its transcript, tool calls, usage and turns', async () => {
    const r = store.records;
    await r.startSession({ id: 'sess_1', agent: 'receptionist', callerId: null, transport: 'websocket', engine: 'local', startedAt: at(0) });
    await r.transcript({ sessionId: 'sess_1', itemId: 'item_a', role: 'user', text: 'I need a check-up', truncated: false, at: at(1) });
    await r.transcript({ sessionId: 'sess_1', itemId: 'item_b', role: 'assistant', text: 'Sure, when would you like to come in tomorrow?', truncated: false, at: at(2) });
    // Barge-in: the assistant item is rewritten with what was heard, and keeps its place.
    await r.transcript({ sessionId: 'sess_1', itemId: 'item_b', role: 'assistant', text: 'Sure, when would', truncated: true, at: at(5) });
    await r.transcript({ sessionId: 'sess_1', itemId: 'item_c', role: 'user', text: 'at ten', truncated: false, at: at(3) });
    await r.toolCall({ sessionId: 'sess_1', callId: 'call_1', name: 'lookup_order', arguments: { order_id: '1234' }, output: 'shipped', error: null, latencyMs: 12.6, at: at(3) });
    await r.toolCall({ sessionId: 'sess_1', callId: 'call_2', name: 'check_availability', arguments: [1, 'two'], output: undefined, error: 'timeout', latencyMs: 10_000, at: at(4) });
    await r.usage({ sessionId: 'sess_1', responseId: 'resp_1', inputTokens: 100, outputTokens: 20, raw: { total_tokens: 120 }, costUsd: 0.0015, at: at(2) });
    await r.usage({ sessionId: 'sess_1', responseId: 'resp_2', inputTokens: 50, outputTokens: 5, raw: null, costUsd: 0.0005, at: at(4) });
    await r.turn({ sessionId: 'sess_1', itemId: 'item_a', transcriptMs: 180.4, firstOutputMs: 420, firstAudioMs: 510.6, toolMs: null, at: at(2) });

    const s = await r.session('sess_1');
    assert.ok(s);
    assert.deepEqual(
      s.transcript.map((t) => [t.itemId, t.text, t.truncated]),
      [['item_a', 'I need a check-up', false], ['item_b', 'Sure, when would', true], ['item_c', 'at ten', false]],
    );
    assert.equal(s.transcript[1]?.at, at(2));
    assert.deepEqual(s.toolCalls.map((t) => [t.callId, t.arguments, t.output, t.error, t.latencyMs]), [
      ['call_1', { order_id: '1234' }, 'shipped', null, 13],
      ['call_2', [1, 'two'], null, 'timeout', 10_000],
    ]);
    assert.deepEqual(s.usage.map((u) => u.raw), [{ total_tokens: 120 }, null]);
    assert.deepEqual({ ...s.totals, costUsd: Math.round(s.totals.costUsd * 1e6) / 1e6 }, { inputTokens: 150, outputTokens: 25, costUsd: 0.002 });
    assert.deepEqual(s.turns, [{ sessionId: 'sess_1', itemId: 'item_a', transcriptMs: 180, firstOutputMs: 420, firstAudioMs: 511, toolMs: null, at: at(2) }]);
    assert.equal(s.endedAt, null);
    assert.equal(await r.session('sess_nope'), null);
  });

  test('ending a session; listing by agent, caller, live, page', async () => {
    const r = store.records;
    for (let i = 1; i <= 4; i++) {
      await r.startSession({ id: `list_${i}`, agent: i % 2 ? 'receptionist' : 'support', callerId: 'caller_list', transport: 'twilio', engine: 'openai', startedAt: at(10 + i) });
    }
    await r.endSession('list_1', { endedAt: at(20), reason: 'hangup', summary: 'asked about hours' });
    await r.endSession('list_2', { endedAt: at(21), reason: 'end_call' });
    const ended = await r.sessions({ callerId: 'caller_list', live: false });
    assert.deepEqual(ended.map((s) => [s.id, s.endReason, s.summary]), [['list_2', 'end_call', null], ['list_1', 'hangup', 'asked about hours']]);
    assert.deepEqual((await r.sessions({ callerId: 'caller_list', live: true })).map((s) => s.id), ['list_4', 'list_3']);
    assert.deepEqual((await r.sessions({ callerId: 'caller_list', agent: 'support' })).map((s) => s.id), ['list_4', 'list_2']);
    assert.deepEqual((await r.sessions({ callerId: 'caller_list', before: at(13), limit: 1 })).map((s) => s.id), ['list_2']);
    await assert.rejects(r.sessions({ before: 'yesterday' }), RangeError);
    // A resume makes an ended session live again; its summary stays until the next end.
    assert.equal(await r.reopenSession('list_1'), true);
    const reopened = await r.session('list_1');
    assert.deepEqual([reopened?.endedAt, reopened?.endReason, reopened?.summary], [null, null, 'asked about hours']);
    assert.deepEqual((await r.sessions({ callerId: 'caller_list', live: true })).map((s) => s.id), ['list_4', 'list_3', 'list_1']);
    assert.equal(await r.reopenSession('list_nope'), false);
  });

  test("memory: the caller's summaries, preferences and what was done, newest first", async () => {
    const r = store.records;
    const caller = '+16175550199';
    const session = async (id: string, minute: number, summary?: string) => {
      await r.startSession({ id, agent: 'receptionist', callerId: caller, transport: 'twilio', engine: 'openai', startedAt: at(minute) });
      if (summary) await r.endSession(id, { endedAt: at(minute + 5), reason: 'hangup', summary });
    };
    await session('mem_1', 30, 'Asked about opening hours.');
    await session('mem_2', 40, 'Booked a consultation.');
    await session('mem_3', 50);
    await r.toolCall({ sessionId: 'mem_2', callId: 'c1', name: 'book_appointment', arguments: { service: 'consultation', date: '2026-11-24', time: '10:00' }, output: { id: 'apt_x', service: 'consultation', staff: 'Doctor Smith', date: '2026-11-24', time: '10:00' }, error: null, latencyMs: 30, at: at(41) });
    await r.toolCall({ sessionId: 'mem_2', callId: 'c2', name: 'cancel_appointment', arguments: { date: '2026-11-25' }, output: { error: 'not_found' }, error: 'not_found', latencyMs: 5, at: at(42) });
    await r.toolCall({ sessionId: 'mem_2', callId: 'c3', name: 'lookup_order', arguments: { order_id: '1234' }, output: { status: 'shipped' }, error: null, latencyMs: 5, at: at(43) });
    await r.toolCall({ sessionId: 'mem_3', callId: 'c4', name: 'reschedule_appointment', arguments: { new_date: '2026-11-26', new_time: '14:00' }, output: { appointment: { service: 'check-up', date: '2026-11-26', time: '14:00' } }, error: null, latencyMs: 30, at: at(51) });
    await r.toolCall({ sessionId: 'mem_3', callId: 'c5', name: 'cancel_appointment', arguments: { appointment_id: 'apt_y' }, output: { service: 'vaccination', date: '2026-11-27', time: '09:00', status: 'cancelled' }, error: null, latencyMs: 30, at: at(52) });
    // Another caller's booking is not this caller's memory.
    await r.startSession({ id: 'mem_other', agent: 'receptionist', callerId: 'someone-else', transport: 'twilio', engine: 'openai', startedAt: at(55) });
    await r.toolCall({ sessionId: 'mem_other', callId: 'c6', name: 'book_appointment', arguments: { service: 'cleaning', date: '2026-11-30', time: '09:00' }, output: {}, error: null, latencyMs: 30, at: at(56) });
    await r.setPreference(caller, 'language', 'es');
    await r.setPreference(caller, 'doctor', 'Doctor Patel');
    await r.setPreference(caller, 'language', 'en');

    assert.deepEqual(await r.memory(caller), {
      callerId: caller,
      summaries: ['Booked a consultation.', 'Asked about opening hours.'],
      preferences: { doctor: 'Doctor Patel', language: 'en' },
      lastActions: [
        'cancelled a vaccination on 2026-11-27 at 09:00',
        'moved a check-up to 2026-11-26 at 14:00',
        'booked a consultation with Doctor Smith for 2026-11-24 at 10:00',
      ],
      appointmentIds: ['apt_y', 'apt_x'],
    });
    const one = await r.memory(caller, 1);
    assert.deepEqual([one.summaries, one.lastActions], [['Booked a consultation.'], ['cancelled a vaccination on 2026-11-27 at 09:00']]);
    assert.deepEqual(await r.memory('never-called'), { callerId: 'never-called', summaries: [], preferences: {}, lastActions: [], appointmentIds: [] });
  });
});

test('action sentences for memory', () => {
  assert.equal(describeAction('book_appointment', { service: 'follow-up', date: '2026-11-24', time: '10:00' }, {}), 'booked a follow-up for 2026-11-24 at 10:00');
  assert.equal(describeAction('book_appointment', {}, { service: 'eye exam', date: '2026-11-24' }), 'booked an eye exam for 2026-11-24');
  assert.equal(describeAction('cancel_appointment', { appointment_id: 'apt_x' }, 'ok'), 'cancelled an appointment');
  assert.equal(describeAction('book_appointment', {}, { ok: false }), null);
  assert.equal(describeAction('lookup_order', { order_id: '1' }, {}), null);
});
