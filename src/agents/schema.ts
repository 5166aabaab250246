import { z } from 'zod';
import { E164, E164_RULE } from '../config/schema.js';
import { KNOWN_VOICES } from '../protocol/schemas/session.js';
import { ToolSpecSchema } from '../tools/spec.js';
import { AgentTurnDetectionSchema } from './turn-detection.js';

/*
 * An agent definition (one `agents/<name>.yaml`): one schema gives the type, the validation
 * and the defaults. Objects are strict so a misspelt key is an error, not a silently ignored
 * setting.
 */

const isLanguageTag = (tag: string): boolean => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const int = (min: number, max: number) => z.number().int('expected a whole number').min(min).max(max);
const hour = int(0, 23);

/** Usable in a file name and in `?agent=`. */
export const AgentNameSchema = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, 'a slug: lower-case letters and digits, words joined by - or _');

/**
 * Tool names are what the model calls; two with one name would make calls ambiguous. Runs even
 * when some tool is invalid (so every problem is reported at once), hence the defensive reads.
 */
const ToolsSchema = z.array(ToolSpecSchema).superRefine(
  (tools: unknown[], ctx) => {
    const first = new Map<string, number>();
    tools.forEach((tool, i) => {
      const name = typeof tool === 'object' && tool !== null ? (tool as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') return;
      const at = first.get(name);
      if (at === undefined) first.set(name, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate tool name "${name}" (also tools.${at})` });
    });
  },
  { when: () => true },
);

const MemorySchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Summaries of the caller's earlier sessions put into the instructions. */
  summaries: int(0, 50).default(3),
  /** The caller's most recent actions (bookings, cancellations…) put into the instructions. */
  lastActions: int(0, 100).default(5),
  /** Conversation tokens kept verbatim; older turns beyond this are summarised. */
  maxContextTokens: int(500, 1_000_000).default(4000),
});

const LimitsSchema = z.strictObject({
  maxDurationS: int(10, 86_400).default(900),
  /** Caller silence before the agent asks `idlePrompt`. */
  idleTimeoutMs: int(1000, 600_000).default(15_000),
  idlePrompt: z.string().min(1).default('Are you still there?'),
  /** Unanswered idle prompts after which the agent says goodbye and ends the session (0 = end at the first timeout). */
  idleEndAfterPrompts: int(0, 10).default(2),
  /** Spend per session (engine pricing from the config) after which the agent wraps up. */
  budgetUsd: z.number().min(0).max(10_000).default(1.0),
});

/** Overrides of the receptionist vocabulary (src/agents/vocabulary.ts); absent fields keep the demo values. */
const BusinessSchema = z.strictObject({
  name: z.string().min(1).optional(),
  services: z.array(z.string().min(1)).min(1).optional(),
  staff: z.array(z.string().min(1)).optional(),
  /** Spoken answer to "when are you open?". */
  hours: z.string().min(1).optional(),
  /** First and last hour (0–23) an appointment may start at. */
  appointmentHours: z
    .strictObject({ first: hour, last: hour })
    .refine((h) => h.first <= h.last, { path: ['last'], message: 'must not be before first' })
    .optional(),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as America/New_York').optional(),
});

const PhoneSchema = z.strictObject({
  /** The Twilio numbers (E.164) that reach this agent: an incoming call is routed by the number called. */
  numbers: z.array(z.string().regex(E164, E164_RULE)).default([]),
  /** Where `transfer_to_human` connects the caller (a person or a queue); absent = PARLEY_TWILIO_TRANSFER_TO. */
  transferTo: z.string().regex(E164, E164_RULE).optional(),
});

export const AgentSchema = z.strictObject({
  /** Equals the file name without extension (checked by the loader). */
  name: AgentNameSchema,
  description: z.string().min(1).max(500),
  instructions: z.string().min(1).max(32_768),
  voice: z.enum(KNOWN_VOICES).default('alloy'),
  language: z.string().refine(isLanguageTag, 'a BCP-47 language tag such as en or en-GB').default('en'),
  /** Engine name (`local`, `echo`…); absent = the server's `engine.default`. */
  engine: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  tools: ToolsSchema.default([]),
  turnDetection: AgentTurnDetectionSchema.default('quiet_office'),
  /** Transcribe the caller's audio (shown to clients and kept in the records). */
  transcription: z.boolean().default(true),
  memory: MemorySchema.prefault({}),
  limits: LimitsSchema.prefault({}),
  /** Keep the session's audio. */
  recording: z.boolean().default(false),
  /** `public`: anyone may open a session; `key`: an API key is needed. */
  access: z.enum(['public', 'key']).default('key'),
  /** Said first, before the caller speaks. */
  greeting: z.string().min(1).max(1000).optional(),
  business: BusinessSchema.optional(),
  /** Phone calls (Twilio). */
  phone: PhoneSchema.optional(),
});

export type Agent = z.infer<typeof AgentSchema>;
/** An agent as written in its file, before defaults. */
export type AgentInput = z.input<typeof AgentSchema>;
