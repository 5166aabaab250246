import { isRecord } from './fields.js';
import { betaItemToGA } from './items.js';
import { betaResponseParamsToGA } from './response.js';
import { betaSessionToGA, betaTranscriptionSessionToGA } from './session.js';

export interface ClientEventTranslation {
  /** GA client events to process, in order. */
  events: unknown[];
  /** Beta settings that were dropped for lack of a GA equivalent, for the caller to log. */
  warnings: string[];
}

/**
 * One beta client event → GA client event(s). Never throws: anything it does not
 * recognise (non-objects, unknown types, malformed payloads) passes through
 * unchanged so the GA validator reports it to the client as an `error` event.
 */
export function betaClientEventToGA(event: unknown): ClientEventTranslation {
  const warnings: string[] = [];
  return { events: [translate(event, warnings)], warnings };
}

function translate(event: unknown, warnings: string[]): unknown {
  if (!isRecord(event)) return event;
  const { session, item, response } = event;
  switch (event.type) {
    case 'session.update':
      return isRecord(session) ? { ...event, session: betaSessionToGA(session, warnings) } : event;
    case 'transcription_session.update':
      // Renamed even when malformed, so the error names an event GA knows.
      return isRecord(session)
        ? { ...event, type: 'session.update', session: betaTranscriptionSessionToGA(session, warnings) }
        : { ...event, type: 'session.update' };
    case 'conversation.item.create':
      return isRecord(item) ? { ...event, item: betaItemToGA(item) } : event;
    case 'response.create':
      return isRecord(response) ? { ...event, response: betaResponseParamsToGA(response, warnings) } : event;
    default:
      // Every other client event has the same name and shape in both dialects.
      return event;
  }
}
