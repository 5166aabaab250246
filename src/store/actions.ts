/*
 * Short sentences for a caller's memory from successful side-effecting tool calls, e.g.
 * "booked a consultation with Doctor Smith for 2026-11-24 at 10:00". Output may be the
 * appointment itself or wrap it (`{ appointment }`); the arguments fill what it lacks.
 */

/** Tools whose successful calls change something worth remembering. */
export const SIDE_EFFECT_TOOLS = ['book_appointment', 'cancel_appointment', 'reschedule_appointment'] as const;

type Fields = Record<string, unknown>;

function asObject(v: unknown): Fields | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : null;
}

function str(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

function withArticle(service: string | undefined): string {
  if (!service) return 'an appointment';
  return `${/^[aeiou]/i.test(service) ? 'an' : 'a'} ${service}`;
}

/** The appointment a successful call touched: the id in its output (bare or `{ appointment }`), else its `appointment_id` argument. */
export function appointmentIdOf(args: unknown, output: unknown): string | null {
  const out = asObject(output);
  if (out && (out.ok === false || out.error !== undefined)) return null;
  return str(asObject(out?.appointment)?.id, out?.id, asObject(args)?.appointment_id) ?? null;
}

/** The sentence, or null when the call did not succeed or is not a side effect. */
export function describeAction(tool: string, args: unknown, output: unknown): string | null {
  const out = asObject(output);
  if (out && (out.ok === false || out.error !== undefined)) return null;
  const appt = asObject(out?.appointment) ?? out ?? {};
  const a = asObject(args) ?? {};
  const service = withArticle(str(appt.service, a.service));
  const staff = str(appt.staff, a.staff);
  const at = (date: string | undefined, time: string | undefined) => (date ? ` ${date}${time ? ` at ${time}` : ''}` : '');
  switch (tool) {
    case 'book_appointment':
      return `booked ${service}${staff ? ` with ${staff}` : ''}${at(str(appt.date, a.date), str(appt.time, a.time)).replace(/^ /, ' for ')}`;
    case 'cancel_appointment':
      return `cancelled ${service}${at(str(appt.date, a.date), str(appt.time, a.time)).replace(/^ /, ' on ')}`;
    case 'reschedule_appointment':
      return `moved ${service}${at(str(appt.date, a.new_date), str(appt.time, a.new_time)).replace(/^ /, ' to ')}`;
    default:
      return null;
  }
}
