import { z } from 'zod';

/*
 * The Media Streams protocol (Twilio's `<Connect><Stream>`): the messages Twilio sends and the
 * ones Parley sends back. Counters are strings, as Twilio sends them. Objects are loose: Twilio
 * adds fields over time, and an unknown one must not break a call.
 */

const Counter = z.string().regex(/^\d+$/, 'a decimal counter as a string');

export const ConnectedMessageSchema = z.looseObject({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() });

export const StartMessageSchema = z.looseObject({
  event: z.literal('start'),
  sequenceNumber: Counter,
  streamSid: z.string().min(1),
  start: z.looseObject({
    streamSid: z.string().min(1),
    accountSid: z.string().min(1),
    callSid: z.string().min(1),
    tracks: z.array(z.string()),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.looseObject({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }),
  }),
});

export const MediaMessageSchema = z.looseObject({
  event: z.literal('media'),
  sequenceNumber: Counter,
  streamSid: z.string().min(1),
  media: z.looseObject({
    track: z.string(),
    chunk: Counter,
    timestamp: Counter,
    /** Base64 µ-law, 8 kHz mono (160 bytes per 20 ms). */
    payload: z.base64(),
  }),
});

export const MarkMessageSchema = z.looseObject({ event: z.literal('mark'), sequenceNumber: Counter, streamSid: z.string().min(1), mark: z.looseObject({ name: z.string() }) });

export const DtmfMessageSchema = z.looseObject({
  event: z.literal('dtmf'),
  sequenceNumber: Counter,
  streamSid: z.string().min(1),
  dtmf: z.looseObject({ track: z.string(), digit: z.string().regex(/^[0-9*#]$/, 'a key: 0–9, * or #') }),
});

export const StopMessageSchema = z.looseObject({
  event: z.literal('stop'),
  sequenceNumber: Counter,
  streamSid: z.string().min(1),
  stop: z.looseObject({ accountSid: z.string(), callSid: z.string() }),
});

/** A message from Twilio on a media stream. */
export const TwilioMessageSchema = z.discriminatedUnion('event', [ConnectedMessageSchema, StartMessageSchema, MediaMessageSchema, MarkMessageSchema, DtmfMessageSchema, StopMessageSchema]);
export type TwilioMessage = z.infer<typeof TwilioMessageSchema>;
export type StartMessage = z.infer<typeof StartMessageSchema>;
export type MediaMessage = z.infer<typeof MediaMessageSchema>;

/** A message to Twilio: audio to play, a mark in the playback queue, or a flush of it. */
export const ParleyMessageSchema = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('media'), streamSid: z.string().min(1), media: z.strictObject({ payload: z.base64() }) }),
  z.strictObject({ event: z.literal('mark'), streamSid: z.string().min(1), mark: z.strictObject({ name: z.string().min(1) }) }),
  z.strictObject({ event: z.literal('clear'), streamSid: z.string().min(1) }),
]);
export type ParleyMessage = z.infer<typeof ParleyMessageSchema>;

/** µ-law, 8 kHz, mono: what a bidirectional stream carries. */
export const TWILIO_MEDIA_FORMAT = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } as const;

export type ParsedMessage = { ok: true; message: TwilioMessage } | { ok: false; error: string };

/** One text frame from Twilio: JSON, then the schema. Never throws. */
export function parseTwilioMessage(text: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${(err as Error).message})` };
  }
  const parsed = TwilioMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
}
