/**
 * A small explicit state machine: every legal transition is listed in one
 * table, so an illegal move under interruption is an error we can see and
 * test, not a silent flag combination.
 */
export type TransitionTable<S extends string, E extends string> = { readonly [K in S]: Partial<Record<E, S>> };

export class IllegalTransitionError extends Error {
  readonly code = 'illegal_transition';
  constructor(machine: string, from: string, event: string) {
    super(`${machine}: no transition for "${event}" from state "${from}"`);
    this.name = 'IllegalTransitionError';
  }
}

export type TransitionListener<S extends string, E extends string> = (to: S, from: S, event: E) => void;

export class StateMachine<S extends string, E extends string> {
  private current: S;
  private readonly listeners: TransitionListener<S, E>[] = [];

  constructor(
    readonly name: string,
    private readonly table: TransitionTable<S, E>,
    initial: S,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  can(event: E): boolean {
    return this.table[this.current][event] !== undefined;
  }

  /** Moves to the next state; throws on a transition the table does not list. */
  send(event: E): S {
    const next = this.table[this.current][event];
    if (next === undefined) throw new IllegalTransitionError(this.name, this.current, event);
    const from = this.current;
    this.current = next;
    for (const l of this.listeners) l(next, from, event);
    return next;
  }

  /** Like send, but a missing transition is ignored and reported as false. */
  trySend(event: E): boolean {
    if (!this.can(event)) return false;
    this.send(event);
    return true;
  }

  onTransition(listener: TransitionListener<S, E>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
