import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionMachine, connectionTransitions } from '../../src/state/connection-machine.js';
import { IllegalTransitionError, StateMachine, type TransitionTable } from '../../src/state/machine.js';
import { createResponseMachine, isFinalResponseState, responseTransitions } from '../../src/state/response-machine.js';
import { createTurnMachine, turnTransitions } from '../../src/state/turn-machine.js';

/** Every state of a table is reachable from `initial` through listed transitions. */
function reachable<S extends string, E extends string>(table: TransitionTable<S, E>, initial: S): Set<S> {
  const seen = new Set<S>([initial]);
  const todo = [initial];
  while (todo.length) {
    const s = todo.pop() as S;
    for (const next of Object.values(table[s]) as S[]) {
      if (seen.has(next)) continue;
      seen.add(next);
      todo.push(next);
    }
  }
  return seen;
}

describe('state machines', () => {
  it('response: walks created → in_progress → each final state, and final states are terminal', () => {
    for (const [event, final] of [
      ['complete', 'completed'],
      ['cancel', 'cancelled'],
      ['truncate_output', 'incomplete'],
      ['fail', 'failed'],
    ] as const) {
      const m = createResponseMachine();
      assert.equal(m.send('start'), 'in_progress');
      assert.equal(m.send(event), final);
      assert.ok(isFinalResponseState(m.state));
      for (const e of ['start', 'complete', 'cancel', 'truncate_output', 'fail'] as const) assert.equal(m.can(e), false, `${final} must not accept ${e}`);
      assert.throws(() => m.send('start'), IllegalTransitionError);
    }
    assert.deepEqual(reachable(responseTransitions, 'created'), new Set(Object.keys(responseTransitions)));
  });

  it('response: a response cancelled before it started is cancelled, not completed', () => {
    const m = createResponseMachine();
    m.send('cancel');
    assert.equal(m.state, 'cancelled');
    assert.equal(m.trySend('complete'), false);
  });

  it('turn: speech → commit → respond → done, and barge-in lands in interrupted', () => {
    const t = createTurnMachine();
    const seen: string[] = [];
    t.onTransition((to) => seen.push(to));
    t.send('speech_started');
    t.send('speech_stopped');
    t.send('commit');
    t.send('response_started');
    t.send('speech_started'); // the caller talks over the agent
    assert.equal(t.state, 'interrupted');
    t.send('response_done'); // the cancelled response finishing does not end the turn normally
    assert.equal(t.state, 'interrupted');
    t.send('speech_started');
    t.send('commit');
    t.send('response_started');
    t.send('response_done');
    assert.deepEqual(seen, ['user_speaking', 'user_speaking', 'committed', 'responding', 'interrupted', 'interrupted', 'user_speaking', 'committed', 'responding', 'done']);
    assert.equal(t.can('response_done'), false, 'a finished turn has no response to finish');
    assert.deepEqual(reachable(turnTransitions, 'idle'), new Set(Object.keys(turnTransitions)));
  });

  it('connection: generation increments on every open; stale generations are not current', () => {
    const c = new ConnectionMachine();
    c.send('opened');
    const first = c.generation;
    assert.ok(c.isCurrent(first));
    c.send('lost');
    assert.equal(c.state, 'reconnecting');
    assert.equal(c.isCurrent(first), false, 'not current while reconnecting');
    c.send('opened');
    assert.equal(c.generation, first + 1);
    assert.equal(c.isCurrent(first), false, 'events from the old socket are ignored');
    assert.ok(c.isCurrent(first + 1));
    c.send('close');
    c.send('closed');
    assert.equal(c.state, 'closed');
    assert.throws(() => c.send('opened'), /no transition for "opened" from state "closed"/);
    assert.deepEqual(reachable(connectionTransitions, 'connecting'), new Set(Object.keys(connectionTransitions)));
  });

  it('listeners can unsubscribe', () => {
    const m = new StateMachine('x', { a: { go: 'b' }, b: { go: 'a' } }, 'a');
    let n = 0;
    const off = m.onTransition(() => n++);
    m.send('go');
    off();
    m.send('go');
    assert.equal(n, 1);
  });
});
