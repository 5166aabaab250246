/**
 * The Media Streams messages, both ways, exactly as Twilio shapes them (protocol reference §4–5):
 * counters are strings, every message after `connected` carries `streamSid` and a
 * `sequenceNumber` that starts at "1" and grows by one per message.
 */
import { z } from 'zod';
import { ParleyMessageSchema, TWILIO_MEDIA_FORMAT, type ParleyMessage } from '../../transports/twilio/messages.js';

const counter = z.string().regex(/^[1-9][0-9]*$/, 'expected a positive integer as a string');
const millis = z.string().regex(/^(0|[1-9][0-9]*)$/, 'expected a non-negative integer as a string');
const streamSid = z.string().regex(/^MZ[0-9a-f]{32}$/, 'expected "MZ" and 32 hex digits');
// Strict base64: µ-law bytes with padding, nothing else (no data: prefix, no whitespace).
const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected base64');

// --- Twilio → the application (what the simulator sends) ---

export const ConnectedMessageSchema = z.object({ event: z.literal('connected'), protocol: z.literal('Call'), version: z.string() });

export const StartMessageSchema = z.object({
  event: z.literal('start'),
  sequenceNumber: counter,
  streamSid,
  start: z.object({
    streamSid,
    accountSid: z.string(),
    callSid: z.string(),
    tracks: z.array(z.enum(['inbound', 'outbound'])),
    customParameters: z.record(z.string(), z.string()),
    mediaFormat: z.object({ encoding: z.literal('audio/x-mulaw'), sampleRate: z.literal(8000), channels: z.literal(1) }),
  }),
});

export const InboundMediaMessageSchema = z.object({
  event: z.literal('media'),
  sequenceNumber: counter,
  streamSid,
  media: z.object({ track: z.enum(['inbound', 'outbound']), chunk: counter, timestamp: millis, payload: base64 }),
});

export const DtmfMessageSchema = z.object({
  event: z.literal('dtmf'),
  sequenceNumber: counter,
  streamSid,
  dtmf: z.object({ track: z.literal('inbound_track'), digit: z.string().regex(/^[0-9*#]$/) }),
});

export const MarkEchoMessageSchema = z.object({ event: z.literal('mark'), sequenceNumber: counter, streamSid, mark: z.object({ name: z.string() }) });

export const StopMessageSchema = z.object({
  event: z.literal('stop'),
  sequenceNumber: counter,
  streamSid,
  stop: z.object({ accountSid: z.string(), callSid: z.string() }),
});

/** Any message Twilio sends on a stream. */
export const TwilioMessageSchema = z.discriminatedUnion('event', [
  ConnectedMessageSchema,
  StartMessageSchema,
  InboundMediaMessageSchema,
  DtmfMessageSchema,
  MarkEchoMessageSchema,
  StopMessageSchema,
]);
export type TwilioMessage = z.infer<typeof TwilioMessageSchema>;
export type StartMessage = z.infer<typeof StartMessageSchema>;

// --- the application → Twilio (what the simulator receives and validates) ---

/**
 * What an application may send on a bidirectional stream: one definition, Parley's own (the
 * server builds its messages from it; the simulator checks what it receives against it).
 */
export const ServerMessageSchema = ParleyMessageSchema;
export type ServerMessage = ParleyMessage;

// --- encoders: strings built directly, since `media` goes out 50 times a second per call ---


export function connectedJson(): string {
  return '{"event":"connected","protocol":"Call","version":"1.0.0"}';
}

export function startJson(seq: number, sid: string, accountSid: string, callSid: string, customParameters: Record<string, string>): string {
  const msg: StartMessage = {
    event: 'start',
    sequenceNumber: String(seq),
    streamSid: sid,
    start: { streamSid: sid, accountSid, callSid, tracks: ['inbound'], customParameters, mediaFormat: { ...TWILIO_MEDIA_FORMAT } },
  };
  return JSON.stringify(msg);
}

/** `payload` is already base64; sids are [A-Za-z0-9], so no escaping is needed. */
export function mediaJson(seq: number, sid: string, chunk: number, timestampMs: number, payload: string): string {
  return `{"event":"media","sequenceNumber":"${seq}","streamSid":"${sid}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payload}"}}`;
}

export function dtmfJson(seq: number, sid: string, digit: string): string {
  return `{"event":"dtmf","sequenceNumber":"${seq}","streamSid":"${sid}","dtmf":{"track":"inbound_track","digit":"${digit}"}}`;
}

export function markEchoJson(seq: number, sid: string, name: string): string {
  return `{"event":"mark","sequenceNumber":"${seq}","streamSid":"${sid}","mark":{"name":${JSON.stringify(name)}}}`;
}

export function stopJson(seq: number, sid: string, accountSid: string, callSid: string): string {
  return `{"event":"stop","sequenceNumber":"${seq}","streamSid":"${sid}","stop":{"accountSid":"${accountSid}","callSid":"${callSid}"}}`;
}

/**
 * Validates one text frame from the application. Returns the message, or a one-line reason
 * (recorded as a protocol error on the call) — never throws.
 */
export function parseServerMessage(text: string, expectedStreamSid: string): ServerMessage | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  const parsed = ServerMessageSchema.safeParse(json);
  if (!parsed.success) {
    const event = typeof json === 'object' && json !== null && 'event' in json ? JSON.stringify((json as { event: unknown }).event) : 'missing';
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
    return `invalid message (event ${event}): ${issues}`;
  }
  if (parsed.data.streamSid !== expectedStreamSid) return `${parsed.data.event} for stream ${parsed.data.streamSid}, but this stream is ${expectedStreamSid}`;
  return parsed.data;
}
