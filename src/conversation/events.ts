import { newId } from '../protocol/ids.js';
import type { ServerEvent, ServerEventOf } from '../protocol/schemas/index.js';

export type ServerEventType = ServerEvent['type'];
export type ServerEventFields<T extends ServerEventType> = Omit<ServerEventOf<T>, 'type' | 'event_id'>;
export type EmitFn = (event: ServerEvent) => void;

/** Builds a server event with a fresh `event_id`. */
export function serverEvent<T extends ServerEventType>(type: T, fields: ServerEventFields<T>): ServerEventOf<T> {
  return { type, event_id: newId('event'), ...fields } as unknown as ServerEventOf<T>;
}
