import { z } from 'zod';

/* The REST API's shapes: each zod schema validates requests, types handlers and becomes the OpenAPI document. */

export const DateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
export const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24-hour)');

export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), alternatives: z.array(z.string()).optional() }),
});

export const AppointmentSchema = z.object({
  id: z.string(),
  service: z.string(),
  staff: z.string(),
  customerId: z.string().nullable(),
  date: DateSchema,
  time: TimeSchema,
  durationMin: z.number().int(),
  status: z.enum(['booked', 'cancelled']),
  createdAt: z.string(),
});

export const CustomerSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  accountId: z.string().nullable(),
  email: z.string().nullable(),
});

export const SessionSchema = z.object({
  id: z.string(),
  agent: z.string(),
  callerId: z.string().nullable(),
  transport: z.string(),
  engine: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  summary: z.string().nullable(),
});

export const SessionDetailSchema = SessionSchema.extend({
  transcript: z.array(z.object({ itemId: z.string(), role: z.enum(['user', 'assistant']), text: z.string(), truncated: z.boolean(), at: z.string() })),
  toolCalls: z.array(z.object({ callId: z.string(), name: z.string(), arguments: z.unknown(), output: z.unknown(), error: z.string().nullable(), latencyMs: z.number(), at: z.string() })),
  usage: z.array(z.object({ responseId: z.string(), inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number(), at: z.string() })),
  turns: z.array(z.object({ itemId: z.string(), transcriptMs: z.number().nullable(), firstOutputMs: z.number().nullable(), firstAudioMs: z.number().nullable(), toolMs: z.number().nullable(), at: z.string() })),
  totals: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }),
});

export const LimitSchema = z.coerce.number().int().min(1).max(500).default(50);
