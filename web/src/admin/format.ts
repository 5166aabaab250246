/* Numbers and times as the admin view shows them. */

const DASH = '—';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** "21 Nov 2026, 06:14:59" in the viewer's locale and time zone. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return DASH;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

/** The time of day only: "06:14:59". */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : timeOnly.format(t);
}

/** Milliseconds: "412 ms", "1.28 s"; null: "—". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (Math.abs(ms) < 1000) return `${Math.abs(ms) < 10 && !Number.isInteger(ms) ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A call's length: "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Seconds from `startedAt` to `endedAt`, or to `now` while live. */
export function sessionSeconds(s: { startedAt: string; endedAt: string | null }, now = Date.now()): number {
  const end = s.endedAt ? Date.parse(s.endedAt) : now;
  return (end - Date.parse(s.startedAt)) / 1000;
}

/** US dollars: four decimals below $1 ("$0.0123"), two above ("$12.40"). */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return DASH;
  if (usd > 0 && usd < 0.00005) return '< $0.0001';
  const digits = Math.abs(usd) < 1 ? 4 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(usd);
}

export function formatCount(n: number): string {
  return integer.format(n);
}

/** Any JSON value, indented, for tool arguments and results. */
export function formatJson(value: unknown): string {
  if (value === undefined) return DASH;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** What a null caller id means. */
export const callerLabel = (callerId: string | null): string => callerId ?? 'anonymous';
