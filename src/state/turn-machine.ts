import { StateMachine, type TransitionTable } from './machine.js';

/**
 * The conversational turn as the caller experiences it. `interrupted` is its
 * own state so that the cancelled response finishing afterwards cannot be
 * mistaken for a normal end of turn.
 */
export type TurnState = 'idle' | 'user_speaking' | 'committed' | 'responding' | 'interrupted' | 'done';
export type TurnEvent = 'speech_started' | 'speech_stopped' | 'commit' | 'clear' | 'response_started' | 'response_done' | 'interrupt';

export const turnTransitions: TransitionTable<TurnState, TurnEvent> = {
  idle: { speech_started: 'user_speaking', commit: 'committed', response_started: 'responding' },
  user_speaking: { speech_stopped: 'user_speaking', commit: 'committed', clear: 'idle', response_started: 'responding' },
  committed: { speech_started: 'user_speaking', commit: 'committed', response_started: 'responding', clear: 'committed' },
  responding: { response_done: 'done', interrupt: 'interrupted', speech_started: 'interrupted', commit: 'responding' },
  interrupted: {
    speech_started: 'user_speaking',
    speech_stopped: 'interrupted',
    response_done: 'interrupted',
    commit: 'committed',
    response_started: 'responding',
    clear: 'interrupted',
  },
  done: { speech_started: 'user_speaking', commit: 'committed', response_started: 'responding', clear: 'done' },
};

export const createTurnMachine = (): StateMachine<TurnState, TurnEvent> => new StateMachine('turn', turnTransitions, 'idle');
