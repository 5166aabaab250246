import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conversationHistory } from '../../src/session/history.js';

describe('conversation history from a session record', () => {
  it('orders words and tool calls by when they happened; the agent as heard; outputs as JSON text', () => {
    const s = 'sess_1';
    const items = conversationHistory({
      transcript: [
        { sessionId: s, itemId: 'item_u1', role: 'user', text: 'Book a consultation tomorrow at ten', truncated: false, at: '2026-11-21T10:00:01.000Z' },
        { sessionId: s, itemId: 'item_a1', role: 'assistant', text: "You're all set for", truncated: true, at: '2026-11-21T10:00:03.000Z' },
      ],
      toolCalls: [
        { sessionId: s, callId: 'call_1', name: 'book_appointment', arguments: { service: 'consultation' }, output: { appointment: { id: 'apt_1' } }, error: null, latencyMs: 12, at: '2026-11-21T10:00:02.000Z' },
      ],
    });
    assert.deepEqual(items, [
      { id: 'item_u1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Book a consultation tomorrow at ten' }] },
      { type: 'function_call', call_id: 'call_1', name: 'book_appointment', arguments: '{"service":"consultation"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"appointment":{"id":"apt_1"}}' },
      { id: 'item_a1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: "You're all set for" }] },
    ]);
  });
});
