/*
 * Business-local dates and times ⇄ instants, with Intl only. The offset is looked up for the
 * instant itself, so days on which daylight saving time starts or ends come out right.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for a zone Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** Parses `YYYY-MM-DD` (a real calendar day) or returns null. */
export function parseDate(date: string): { y: number; m: number; d: number } | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? { y, m: mo, d } : null;
}

/** Minutes since midnight of `HH:MM`, or null. */
export function parseTime(time: string): number | null {
  const m = TIME.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** 0 = Sunday … 6 = Saturday, as PostgreSQL's `extract(dow)`. */
export function weekday(date: string): number {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  return new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay();
}

export function addDays(date: string, days: number): string {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  return new Date(Date.UTC(p.y, p.m - 1, p.d + days)).toISOString().slice(0, 10);
}

/** The zone's local date and time of an instant. */
export function toLocal(instant: Date, timeZone: string): { date: string; time: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** Offset of the zone at an instant, in minutes (local − UTC). */
function offsetMinutes(instant: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / MINUTE);
}

/**
 * The instant of a local date and minute-of-day. In a fall-back overlap the earlier instant;
 * a time skipped by a spring-forward gap moves forward by the gap (as clocks would show it).
 */
export function toInstant(date: string, minutes: number, timeZone: string): Date {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date: ${date}`);
  const wall = Date.UTC(p.y, p.m - 1, p.d) + minutes * MINUTE;
  // Zones change offset at most once around a given day: try the offsets a day before and after.
  const early = wall - offsetMinutes(wall - DAY, timeZone) * MINUTE;
  const late = wall - offsetMinutes(wall + DAY, timeZone) * MINUTE;
  const valid = [early, late].filter((t) => t + offsetMinutes(t, timeZone) * MINUTE === wall);
  return new Date(valid.length > 0 ? Math.min(...valid) : early);
}

/** `[start, end)` of a local day as ISO instants (23 or 25 hours on DST days). */
export function dayRange(date: string, timeZone: string): [string, string] {
  return [toInstant(date, 0, timeZone).toISOString(), toInstant(addDays(date, 1), 0, timeZone).toISOString()];
}
