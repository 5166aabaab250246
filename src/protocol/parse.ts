import type { z } from 'zod';
import { ErrorCode, ProtocolError } from './errors.js';
import { CLIENT_EVENT_TYPES, ClientEventSchema, type ClientEvent } from './schemas/index.js';

export type ParseResult = { ok: true; event: ClientEvent } | { ok: false; error: ProtocolError; eventId: string | null };

const schemaByType = new Map<string, z.ZodType>(
  (ClientEventSchema.options as readonly z.ZodObject[]).map((s) => [String((s.shape.type as z.ZodLiteral).value), s]),
);
const KNOWN = new Set<string>(CLIENT_EVENT_TYPES);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const dotted = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let cur = value;
  for (const p of path) {
    if (!isRecord(cur) && !Array.isArray(cur)) return false;
    if (!(p in (cur as object))) return false;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return true;
}

/** Turns the first zod issue into the error OpenAI would send for it. */
export function issueToError(issue: z.core.$ZodIssue, input: unknown): ProtocolError {
  if (issue.code === 'unrecognized_keys') {
    const param = dotted([...issue.path, issue.keys[0] ?? '']);
    return new ProtocolError(ErrorCode.unknownParameter, `Unknown parameter: '${param}'.`, param);
  }
  const param = dotted(issue.path);
  if (issue.code === 'invalid_type' && !hasPath(input, issue.path)) {
    return new ProtocolError(ErrorCode.missingRequiredParameter, `Missing required parameter: '${param}'.`, param);
  }
  return new ProtocolError(ErrorCode.invalidValue, `Invalid value for '${param}': ${issue.message}.`, param);
}

/** Validates an already-decoded JSON value as a GA client event. Never throws. */
export function validateClientEvent(value: unknown): ParseResult {
  if (!isRecord(value)) {
    return { ok: false, eventId: null, error: new ProtocolError(ErrorCode.invalidEvent, 'Each message must be a JSON object with a "type" field.', null) };
  }
  const eventId = typeof value.event_id === 'string' ? value.event_id : null;
  const type = value.type;
  if (typeof type !== 'string') {
    return { ok: false, eventId, error: new ProtocolError(ErrorCode.invalidEvent, "The event has no 'type'; every client event needs one, e.g. 'session.update'.", 'type') };
  }
  if (!KNOWN.has(type)) {
    const shown = type.length > 64 ? `${type.slice(0, 64)}…` : type;
    return {
      ok: false,
      eventId,
      error: new ProtocolError(ErrorCode.unknownEventType, `Invalid value: '${shown}'. Supported values are: ${CLIENT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}.`, 'type'),
    };
  }
  const parsed = (schemaByType.get(type) as z.ZodType).safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data as ClientEvent };
  const issue = parsed.error.issues[0];
  return { ok: false, eventId, error: issue ? issueToError(issue, value) : new ProtocolError(ErrorCode.invalidEvent, 'Invalid event.', null) };
}

/** Decodes one text frame. Never throws. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: ProtocolError } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: new ProtocolError(ErrorCode.invalidJson, `The message is not valid JSON (${(err as Error).message}); send one JSON event per text frame.`, null) };
  }
}
