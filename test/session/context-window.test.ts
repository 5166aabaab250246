import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item, ServerEvent } from '../../src/protocol/schemas/index.js';
import { ExtractiveSummarizer, SUMMARY_HEADER } from '../../src/session/context-summary.js';
import { ContextWindow } from '../../src/session/context-window.js';

let n = 0;
const added = (item: Item, previous: string | null): ServerEvent => ({ type: 'conversation.item.added', event_id: `e${n++}`, item, previous_item_id: previous }) as ServerEvent;
const text = (id: string, role: 'user' | 'assistant' | 'system', words: string): Item =>
  ({ id, type: 'message', role, status: 'completed', content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: words }] }) as Item;

/** A window holding: the caller's context, then turns t0…t{count-1}; turn 1 books with a tool. */
function conversation(count: number): { window: ContextWindow; ids: string[] } {
  const window = new ContextWindow();
  const ids: string[] = [];
  const push = (item: Item) => {
    window.observe(added(item, ids.at(-1) ?? null));
    ids.push(item.id!);
  };
  push(text('ctx', 'system', 'Caller context: Ana, a returning customer.'));
  for (let t = 0; t < count; t++) {
    push(text(`u${t}`, 'user', `Turn ${t}: a question of about eighty characters, give or take a few words here.`));
    if (t === 1) {
      push({ id: 'fc1', type: 'function_call', call_id: 'call_1', name: 'book_appointment', arguments: '{"service":"consultation","date":"2026-11-24","time":"10:00"}', status: 'completed' } as Item);
      push({ id: 'fo1', type: 'function_call_output', call_id: 'call_1', output: '{"appointment":{"id":"apt_1","service":"consultation","date":"2026-11-24","time":"10:00"}}' } as Item);
    }
    push(text(`a${t}`, 'assistant', `Answer ${t}: an answer of about eighty characters too, more or less, as agents speak.`));
  }
  return { window, ids };
}

describe('context window: which old turns to summarise', () => {
  it('keeps the caller context and the newest turns, removes whole older turns oldest first', () => {
    const { window } = conversation(10);
    const plan = window.plan(100);
    assert.ok(plan);
    assert.equal(plan.after, 'ctx', 'the summary goes right after the caller context, which stays');
    assert.equal(plan.previousSummary, null);
    const removed = plan.removed.map((w) => w.id);
    assert.deepEqual(removed.slice(0, 6), ['u0', 'a0', 'u1', 'fc1', 'fo1', 'a1'], 'a tool call leaves with its output and its turn');
    assert.equal(removed.at(-1)?.startsWith('a'), true, 'a cut falls between turns');
    assert.ok(!removed.includes('u8') && !removed.includes('u9'), 'the last two turns always stay');
  });

  it('nothing to do while everything fits, or with only the turns that must stay', () => {
    assert.equal(conversation(10).window.plan(100_000), null);
    assert.equal(conversation(2).window.plan(1), null);
  });

  it('a second compaction replaces the first summary; deleted items leave the window', () => {
    const { window, ids } = conversation(10);
    const first = window.plan(100)!;
    window.markSummary('sum1');
    window.observe(added(text('sum1', 'system', `${SUMMARY_HEADER}\nCaller: "…"`), first.after));
    for (const w of first.removed) window.observe({ type: 'conversation.item.deleted', event_id: `d${w.id}`, item_id: w.id } as ServerEvent);
    assert.equal(window.size, ids.length - first.removed.length + 1);
    for (let t = 10; t < 16; t++) {
      window.observe(added(text(`u${t}`, 'user', `Turn ${t}: another question of about eighty characters, give or take.`), `a${t - 1}`));
      window.observe(added(text(`a${t}`, 'assistant', `Answer ${t}: another answer of about eighty characters, more or less.`), `u${t}`));
    }
    const second = window.plan(100)!;
    assert.equal(second.after, 'ctx');
    assert.equal(second.previousSummary?.id, 'sum1');
    assert.ok(!second.removed.some((w) => w.id === 'sum1' || w.id === 'ctx'));
  });

  it('places items by previous_item_id, audio by its transcript', () => {
    const w = new ContextWindow();
    w.observe(added(text('b', 'user', 'second'), null));
    w.observe(added(text('a', 'user', 'first'), null));
    w.observe(added({ id: 'c', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio' }] } as Item, 'b'));
    w.observe({ type: 'conversation.item.input_audio_transcription.completed', event_id: 'x', item_id: 'c', content_index: 0, transcript: 'third' } as ServerEvent);
    w.observe(added(text('d', 'assistant', 'fourth'), 'c'));
    w.observe(added(text('e', 'user', 'fifth'), 'd'));
    w.observe(added(text('f', 'user', 'sixth'), 'e'));
    const plan = w.plan(1);
    assert.deepEqual(
      plan?.removed.map((x) => x.id),
      ['a', 'b', 'c', 'd'],
    );
  });
});

describe('extractive summary', () => {
  it('says what the tools did, quotes both sides, and drops the oldest quotes first when it grows too long', async () => {
    const { window } = conversation(10);
    const plan = window.plan(100)!;
    const summary = await new ExtractiveSummarizer(10_000).summarize(null, plan.removed);
    const lines = summary.split('\n');
    assert.equal(lines[0], SUMMARY_HEADER);
    assert.match(summary, /^Caller: "Turn 0: /m);
    assert.match(summary, /^Agent: "Answer 0: /m);
    assert.match(summary, /^Tool book_appointment\(\{"service":"consultation".*\): booked a consultation for 2026-11-24 at 10:00$/m);
    const short = await new ExtractiveSummarizer(400).summarize(summary, []);
    assert.ok(short.length <= 400, `${short.length} chars`);
    assert.match(short, /^Tool book_appointment/m, 'the action survives');
    assert.doesNotMatch(short, /Turn 0:/, 'the oldest quote went first');
    assert.match(short, /Answer \d+:/, 'newer quotes stay while they fit');
  });
});
