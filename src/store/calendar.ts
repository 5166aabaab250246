import { dayRange, formatTime, toInstant, weekday } from './time.js';
import type { Queryable } from './types.js';

/*
 * When the business is open and who is busy, for one local day. Availability and booking
 * both use it, so what availability offers is what book accepts.
 */

export const GRID_MIN = 15;
const MINUTE = 60_000;
const WEEKDAYS = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];

export interface DayPlan {
  date: string;
  /** Opening windows in minutes since local midnight; empty = closed. */
  windows: Array<{ from: number; to: number }>;
  /** Name of the holiday, when the date is one. */
  holiday: string | null;
}

export async function dayPlan(q: Queryable, date: string): Promise<DayPlan> {
  const holiday = (await q.query<{ name: string }>('SELECT name FROM holidays WHERE date = $1::date', [date])).rows[0]?.name ?? null;
  if (holiday !== null) return { date, windows: [], holiday };
  const rows = (
    await q.query<{ opens: string; closes: string }>(
      `SELECT to_char(opens_at, 'HH24:MI') AS opens, to_char(closes_at, 'HH24:MI') AS closes FROM business_hours WHERE weekday = $1 ORDER BY opens_at`,
      [weekday(date)],
    )
  ).rows;
  return { date, holiday: null, windows: rows.map((r) => ({ from: minutesOf(r.opens), to: minutesOf(r.closes) })) };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Why a day is closed, as an agent can say it. */
export function closedMessage(plan: DayPlan): string {
  if (plan.holiday !== null) return `We're closed on ${plan.date} (${plan.holiday}).`;
  return `We're closed on ${WEEKDAYS[weekday(plan.date)]}.`;
}

export function hoursText(plan: DayPlan): string {
  return plan.windows.map((w) => `${formatTime(w.from)} to ${formatTime(w.to)}`).join(' and ');
}

/** Does an appointment of `durationMin` starting at `minute` fit in one opening window? */
export function fitsHours(plan: DayPlan, minute: number, durationMin: number): boolean {
  return plan.windows.some((w) => minute >= w.from && minute + durationMin <= w.to);
}

/** Booked intervals per staff id on the day (optionally ignoring one appointment, the one being moved). */
export type Busy = Map<string, Array<{ start: number; end: number }>>;

export async function busyOn(q: Queryable, date: string, staffIds: readonly string[], timeZone: string, ignoreId?: string): Promise<Busy> {
  const busy: Busy = new Map(staffIds.map((id) => [id, []]));
  if (staffIds.length === 0) return busy;
  const rows = (
    await q.query<{ staff_id: string; starts_at: Date; ends_at: Date }>(
      `SELECT staff_id, starts_at, ends_at FROM appointments
        WHERE status = 'booked' AND staff_id = ANY($1::text[]) AND starts_at < $3::timestamptz AND ends_at > $2::timestamptz
          AND ($4::text IS NULL OR id <> $4::text)`,
      [staffIds, ...dayRange(date, timeZone), ignoreId ?? null],
    )
  ).rows;
  for (const r of rows) busy.get(r.staff_id)?.push({ start: r.starts_at.getTime(), end: r.ends_at.getTime() });
  return busy;
}

/** Staff (in the given order) free for [start, start + duration). */
export function freeStaff(busy: Busy, staffIds: readonly string[], start: Date, durationMin: number): string[] {
  const s = start.getTime();
  const e = s + durationMin * MINUTE;
  return staffIds.filter((id) => !(busy.get(id) ?? []).some((b) => b.start < e && b.end > s));
}

/** Free start times on the 15-minute grid, ascending: in hours, after `now`, with someone free. */
export function freeTimes(plan: DayPlan, busy: Busy, staffIds: readonly string[], durationMin: number, now: Date, timeZone: string): string[] {
  const times: string[] = [];
  for (const w of plan.windows) {
    for (let m = Math.ceil(w.from / GRID_MIN) * GRID_MIN; m + durationMin <= w.to; m += GRID_MIN) {
      const start = toInstant(plan.date, m, timeZone);
      if (start.getTime() <= now.getTime()) continue;
      if (freeStaff(busy, staffIds, start, durationMin).length > 0) times.push(formatTime(m));
    }
  }
  return times;
}

/** The `count` free times nearest to `minute`, ascending (what to offer instead). */
export function nearest(times: readonly string[], minute: number, count = 3): string[] {
  return [...times]
    .sort((a, b) => Math.abs(minutesOf(a) - minute) - Math.abs(minutesOf(b) - minute) || minutesOf(a) - minutesOf(b))
    .slice(0, count)
    .sort();
}
