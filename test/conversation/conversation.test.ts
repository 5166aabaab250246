import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conversation } from '../../src/conversation/conversation.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import type { Item } from '../../src/protocol/schemas/index.js';

const text = (id: string, t = id): Item & { id: string } =>
  ({ id, type: 'message', role: 'user', content: [{ type: 'input_text', text: t }] }) as Item & { id: string };
const assistantAudio = (id: string, transcript: string): Item & { id: string } =>
  ({ id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript }] }) as Item & { id: string };

const ids = (c: Conversation): string[] => c.items().map((i) => i.id as string);
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError);
    return e.code;
  }
  assert.fail('expected a ProtocolError');
};

describe('Conversation', () => {
  it('orders items by previous_item_id: append, root, after an id', () => {
    const c = new Conversation({ maxItems: 10, maxAudioBytes: 1e6 });
    assert.equal(c.insert(text('a')), null);
    assert.equal(c.insert(text('b')), 'a');
    assert.equal(c.insert(text('r'), 'root'), null);
    assert.equal(c.insert(text('x'), 'a'), 'a');
    assert.deepEqual(ids(c), ['r', 'a', 'x', 'b']);
    assert.equal(c.previousId('b'), 'x');
    assert.equal(code(() => c.insert(text('y'), 'nope')), 'item_not_found');
    assert.equal(code(() => c.insert(text('a'))), 'item_already_exists');
  });

  it('refuses the item past maxItems with a clear error and keeps the rest', () => {
    const c = new Conversation({ maxItems: 2, maxAudioBytes: 1e6 });
    c.insert(text('a'));
    c.insert(text('b'));
    assert.throws(() => c.insert(text('c')), (e: ProtocolError) => e.code === 'conversation_max_items_exceeded' && /2 items/.test(e.message));
    c.delete('a');
    c.insert(text('c'));
    assert.deepEqual(ids(c), ['b', 'c']);
  });

  it('delete of an unknown id is an item_not_found error naming item_id', () => {
    const c = new Conversation({ maxItems: 2, maxAudioBytes: 1e6 });
    assert.throws(() => c.delete('ghost'), (e: ProtocolError) => e.code === 'item_not_found' && e.param === 'item_id');
  });

  it('truncates audio to what was heard and keeps only the heard transcript', () => {
    const c = new Conversation({ maxItems: 10, maxAudioBytes: 1e6 });
    c.insert(assistantAudio('a1', 'Hello there. How can I help?'));
    // 3 chunks of 100 ms PCM16 24 kHz (4800 bytes each), each carrying some words.
    c.appendAudio('a1', 0, new Uint8Array(4800), 48, 'Hello '.length);
    c.appendAudio('a1', 0, new Uint8Array(4800), 48, 'Hello there. '.length);
    c.appendAudio('a1', 0, new Uint8Array(4800), 48, 'Hello there. How can I help?'.length);
    assert.equal(c.track('a1', 0)?.durationMs, 300);
    assert.equal(code(() => c.truncate('a1', 0, 301)), 'invalid_truncate');
    c.truncate('a1', 0, 250);
    const item = c.get('a1') as Item & { content: { transcript?: string }[] };
    assert.equal(item.content[0]?.transcript, 'Hello there.');
    assert.equal(c.track('a1', 0)?.byteLength, 250 * 48);
    assert.equal(c.track('a1', 0)?.bytes()?.byteLength, 12000);
  });

  it('truncating a user item or a missing content part is refused', () => {
    const c = new Conversation({ maxItems: 10, maxAudioBytes: 1e6 });
    c.insert(text('u1'));
    c.insert(assistantAudio('a1', 'x'));
    assert.throws(() => c.truncate('u1', 0, 0), (e: ProtocolError) => e.param === 'item_id');
    assert.throws(() => c.truncate('a1', 3, 0), (e: ProtocolError) => e.param === 'content_index');
    assert.equal(code(() => c.truncate('zz', 0, 0)), 'item_not_found');
  });

  it('evicts the oldest audio past the budget but still validates truncation by length', () => {
    const c = new Conversation({ maxItems: 10, maxAudioBytes: 10_000 });
    c.insert(assistantAudio('old', 'a'));
    c.insert(assistantAudio('new', 'b'));
    c.appendAudio('old', 0, new Uint8Array(8000), 48);
    c.appendAudio('new', 0, new Uint8Array(8000), 48);
    assert.equal(c.track('old', 0)?.bytes(), null, 'old bytes were freed');
    assert.equal(c.track('new', 0)?.bytes()?.byteLength, 8000);
    assert.equal(code(() => c.truncate('old', 0, 200)), 'invalid_truncate', '8000 bytes = 166 ms; 200 is past it');
    c.truncate('old', 0, 100);
  });
});
