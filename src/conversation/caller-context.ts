import { z } from 'zod';

/*
 * What Parley tells an engine about a returning caller, as one system message at the start
 * of a session. Plain JSON after a fixed first line: a language model reads it as it is,
 * and the embedded brain parses it back with `parseCallerContext`.
 */

const HEADER = 'Context about this caller from earlier conversations (JSON):';

export const CallerContextSchema = z.object({
  name: z.string().nullable().default(null),
  customer_id: z.string().nullable().default(null),
  summaries: z.array(z.string()).default([]),
  preferences: z.record(z.string(), z.string()).default({}),
  last_actions: z.array(z.string()).default([]),
  upcoming_appointments: z.array(z.object({ id: z.string(), service: z.string(), date: z.string(), time: z.string(), staff: z.string().optional() })).default([]),
});

export type CallerContext = z.infer<typeof CallerContextSchema>;

export function callerContextText(ctx: CallerContext): string {
  return `${HEADER}\n${JSON.stringify(ctx)}`;
}

/** The context in a system message's text, or null when the text is something else. */
export function parseCallerContext(text: string): CallerContext | null {
  if (!text.startsWith(HEADER)) return null;
  try {
    const r = CallerContextSchema.safeParse(JSON.parse(text.slice(HEADER.length)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
