import { z } from 'zod';

/*
 * Argument schemas of the built-in business tools: one definition gives the
 * TypeScript type, the runtime validation of a model's arguments and the JSON
 * Schema the tool advertises in `session.tools`.
 */
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').describe('Date as YYYY-MM-DD, in the business time zone');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24-hour)').describe('Time as HH:MM, 24-hour clock');
const service = z.string().min(1).describe('Service name, e.g. "consultation"');

export const BUILTIN_TOOLS = {
  check_availability: {
    description: 'List free appointment times for a service on a date (or check one time).',
    args: z.strictObject({ service, date, time: time.optional(), staff: z.string().min(1).optional().describe('Preferred staff member') }),
  },
  book_appointment: {
    description: "Book an appointment for the caller. Fails if the time is taken or outside opening hours.",
    args: z.strictObject({
      service,
      date,
      time,
      staff: z.string().min(1).optional(),
      customer_name: z.string().min(1).optional().describe("The caller's name"),
      phone: z.string().min(3).optional().describe("The caller's phone number"),
    }),
  },
  cancel_appointment: {
    description: "Cancel one of the caller's appointments, by id or by its date and time.",
    args: z.strictObject({ appointment_id: z.string().min(1).optional(), date: date.optional(), time: time.optional() }),
  },
  reschedule_appointment: {
    description: "Move one of the caller's appointments to a new date and time.",
    args: z.strictObject({ appointment_id: z.string().min(1).optional(), date: date.optional(), time: time.optional(), new_date: date, new_time: time }),
  },
  lookup_customer: {
    description: 'Find the caller by phone number or account id.',
    args: z.strictObject({ phone: z.string().min(3).optional(), account_id: z.string().min(1).optional() }),
  },
  lookup_order: {
    description: 'Look up an order: status, items and estimated arrival.',
    args: z.strictObject({ order_id: z.string().min(1).describe('The order number') }),
  },
  end_call: {
    description: 'End the conversation after saying goodbye.',
    args: z.strictObject({ reason: z.string().optional() }),
  },
  transfer_to_human: {
    description: 'Transfer the caller to a person.',
    args: z.strictObject({ reason: z.string().optional() }),
  },
} as const;

export type BuiltinToolName = keyof typeof BUILTIN_TOOLS;
export type BuiltinToolArgs<N extends BuiltinToolName> = z.infer<(typeof BUILTIN_TOOLS)[N]['args']>;

/** The tool as advertised in `session.tools`. */
export function builtinToolDefinition(name: BuiltinToolName): { type: 'function'; name: string; description: string; parameters: Record<string, unknown> } {
  const tool = BUILTIN_TOOLS[name];
  const { $schema: _drop, ...parameters } = z.toJSONSchema(tool.args) as Record<string, unknown>;
  return { type: 'function', name, description: tool.description, parameters };
}
