import { StateMachine, type TransitionTable } from './machine.js';

/** Final states mirror `response.status` on the wire. */
export type ResponseState = 'created' | 'in_progress' | 'completed' | 'cancelled' | 'incomplete' | 'failed';
export type ResponseEvent = 'start' | 'complete' | 'cancel' | 'truncate_output' | 'fail';

export const responseTransitions: TransitionTable<ResponseState, ResponseEvent> = {
  created: { start: 'in_progress', cancel: 'cancelled', fail: 'failed' },
  in_progress: { complete: 'completed', cancel: 'cancelled', truncate_output: 'incomplete', fail: 'failed' },
  completed: {},
  cancelled: {},
  incomplete: {},
  failed: {},
};

export const createResponseMachine = (): StateMachine<ResponseState, ResponseEvent> =>
  new StateMachine('response', responseTransitions, 'created');

export const isFinalResponseState = (s: ResponseState): boolean => s !== 'created' && s !== 'in_progress';
