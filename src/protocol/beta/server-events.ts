import { isRecord } from './fields.js';
import { gaContentPartToBeta, gaItemToBeta } from './items.js';
import { gaResponseToBeta } from './response.js';
import { gaSessionToBeta } from './session.js';

export type GAServerEvent = Record<string, unknown> & { type: string };

const RENAMED = new Map([
  ['response.output_text.delta', 'response.text.delta'],
  ['response.output_text.done', 'response.text.done'],
  ['response.output_audio.delta', 'response.audio.delta'],
  ['response.output_audio.done', 'response.audio.done'],
  ['response.output_audio_transcript.delta', 'response.audio_transcript.delta'],
  ['response.output_audio_transcript.done', 'response.audio_transcript.done'],
  // Same moment in both dialects: client create, buffer commit, or model output starting.
  ['conversation.item.added', 'conversation.item.created'],
]);

/**
 * GA events with no beta counterpart, dropped so a beta client only ever sees
 * names it was written for.
 * - `conversation.item.done`: beta clients take a model item's final state from
 *   `response.output_item.done`; items from `conversation.item.create` or a buffer
 *   commit are already complete in `.added` (→ `.created`), and a user item's
 *   transcript arrives via `conversation.item.input_audio_transcription.*`.
 * - the others belong to features beta never had (diarized segments, idle
 *   timeout, SIP DTMF, remote MCP tools); the events around them (commit,
 *   `response.*`) still tell the beta client everything it knows how to use.
 * `output_audio_buffer.*` is NOT listed: beta had those events (WebRTC) by the
 * same names. Events not named anywhere here pass through unchanged, so a
 * future or Parley-specific event is never silently lost.
 */
const DROPPED = new Set([
  'conversation.item.done',
  'conversation.item.input_audio_transcription.segment',
  'input_audio_buffer.timeout_triggered',
  'input_audio_buffer.dtmf_event_received',
  'mcp_list_tools.in_progress',
  'mcp_list_tools.completed',
  'mcp_list_tools.failed',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.in_progress',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
]);

// Suffix for ids of events derived from another; `newId()` ids hold one underscore, so no clash.
const DERIVED_ID_SUFFIX = '_conv';

/**
 * One GA server event → 0..n beta server events. `response.function_call_arguments.done`
 * keeps GA's extra `name`: harmless to beta clients, and handy for them.
 */
export function gaServerEventToBeta(event: GAServerEvent): Array<Record<string, unknown>> {
  if (DROPPED.has(event.type)) return [];
  const type = RENAMED.get(event.type) ?? event.type;
  switch (event.type) {
    case 'session.created':
    case 'session.updated':
      return sessionEvents(event);
    case 'response.created':
    case 'response.done':
      return [mapField(event, 'response', (r) => (isRecord(r) ? gaResponseToBeta(r) : r))];
    case 'conversation.item.added':
    case 'conversation.item.retrieved':
    case 'response.output_item.added':
    case 'response.output_item.done':
      return [{ ...mapField(event, 'item', gaItemToBeta), type }];
    case 'response.content_part.added':
    case 'response.content_part.done':
      return [mapField(event, 'part', gaContentPartToBeta)];
    default:
      return [{ ...event, type }];
  }
}

// Fields are only rewritten when present: a malformed event stays malformed, never gains keys.
function mapField(event: GAServerEvent, key: string, map: (value: unknown) => unknown): GAServerEvent {
  return Object.hasOwn(event, key) ? { ...event, [key]: map(event[key]) } : event;
}

function sessionEvents(event: GAServerEvent): Array<Record<string, unknown>> {
  const { session } = event;
  if (!isRecord(session)) return [event];
  const beta = gaSessionToBeta(session);
  if (session.type === 'transcription') {
    // Beta transcription sessions had their own event names.
    return [{ ...event, type: event.type.replace('session.', 'transcription_session.'), session: beta }];
  }
  const translated = { ...event, session: beta };
  return event.type === 'session.created' ? [translated, conversationCreated(event, session)] : [translated];
}

/**
 * Beta announced the default conversation right after `session.created`; GA does not.
 * Its id is derived from the session id (`sess_X` → `conv_X`), the event id from the source event's.
 */
function conversationCreated(event: GAServerEvent, session: Record<string, unknown>): Record<string, unknown> {
  const conversation: Record<string, unknown> = { object: 'realtime.conversation' };
  if (typeof session.id === 'string') conversation.id = session.id.replace(/^sess_/, 'conv_');
  const eventId = typeof event.event_id === 'string' ? { event_id: event.event_id + DERIVED_ID_SUFFIX } : {};
  return { type: 'conversation.created', ...eventId, conversation };
}
