import { parseDate, parseTime } from './time.js';
import { BusinessError } from './types.js';

/* Checks of what tools pass in, failing as BusinessError('invalid_request') an agent can relay. */

export function checkDate(date: string): void {
  if (!parseDate(date)) throw new BusinessError('invalid_request', `"${date}" is not a date; use YYYY-MM-DD.`);
}

/** Minutes since midnight. */
export function checkTime(time: string): number {
  const m = parseTime(time);
  if (m === null) throw new BusinessError('invalid_request', `"${time}" is not a time; use HH:MM (24-hour).`);
  return m;
}

export function clampLimit(limit: number | undefined, fallback: number): number {
  return Math.max(1, Math.min(500, Math.floor(limit ?? fallback)));
}
