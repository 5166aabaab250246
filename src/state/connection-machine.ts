import { StateMachine, type TransitionTable } from './machine.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';
export type ConnectionEvent = 'opened' | 'lost' | 'close' | 'closed';

export const connectionTransitions: TransitionTable<ConnectionState, ConnectionEvent> = {
  connecting: { opened: 'open', lost: 'reconnecting', close: 'closing', closed: 'closed' },
  open: { lost: 'reconnecting', close: 'closing', closed: 'closed' },
  reconnecting: { opened: 'open', lost: 'reconnecting', close: 'closing', closed: 'closed' },
  closing: { closed: 'closed', close: 'closing', lost: 'closing' },
  closed: {},
};

/**
 * A connection with a generation counter: every (re)open bumps it, so a
 * callback from an older socket can check `isCurrent(gen)` and drop itself.
 */
export class ConnectionMachine extends StateMachine<ConnectionState, ConnectionEvent> {
  private gen = 0;

  constructor(name = 'connection') {
    super(name, connectionTransitions, 'connecting');
    this.onTransition((to, _from, event) => {
      if (event === 'opened' && to === 'open') this.gen += 1;
    });
  }

  get generation(): number {
    return this.gen;
  }

  isCurrent(generation: number): boolean {
    return generation === this.gen && this.state === 'open';
  }
}
