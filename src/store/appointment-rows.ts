import { checkDate, checkTime } from './input.js';
import { dayRange, toInstant, toLocal } from './time.js';
import { BusinessError, type Appointment, type AppointmentRef, type Queryable } from './types.js';

/* Appointment rows as read from SQL, and finding the one an AppointmentRef means. */

export interface AppointmentRow {
  id: string;
  service: string;
  service_id: string;
  staff: string;
  staff_id: string;
  staff_requested: boolean;
  customer_id: string | null;
  starts_at: Date;
  duration_min: number;
  status: Appointment['status'];
  created_at: Date;
}

export const SELECT_APPOINTMENT = `SELECT a.id, s.name AS service, a.service_id, st.name AS staff, a.staff_id, a.staff_requested, a.customer_id,
       a.starts_at, a.duration_min, a.status, a.created_at
  FROM appointments a JOIN services s ON s.id = a.service_id JOIN staff st ON st.id = a.staff_id`;

export function toAppointment(r: AppointmentRow, timeZone: string): Appointment {
  const local = toLocal(r.starts_at, timeZone);
  return {
    id: r.id,
    service: r.service,
    staff: r.staff,
    customerId: r.customer_id,
    date: local.date,
    time: local.time,
    durationMin: r.duration_min,
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * The appointment a reference means, locked FOR UPDATE so a concurrent cancel or reschedule
 * of it waits. By id (any status); else the booked one on a date (and time), optionally the
 * customer's; else the customer's one upcoming appointment. Several matches are a question.
 */
export async function resolveAppointment(tx: Queryable, ref: AppointmentRef, timeZone: string, now: Date): Promise<AppointmentRow> {
  if (ref.appointmentId !== undefined) {
    const row = (await tx.query<AppointmentRow>(`${SELECT_APPOINTMENT} WHERE a.id = $1 FOR UPDATE OF a`, [ref.appointmentId])).rows[0];
    if (!row || (ref.customerId !== undefined && row.customer_id !== ref.customerId)) {
      throw new BusinessError('not_found', `I can't find an appointment with id ${ref.appointmentId}${ref.customerId !== undefined ? ' for this caller' : ''}.`);
    }
    return row;
  }
  const where = [`a.status = 'booked'`];
  const params: unknown[] = [];
  let what: string;
  if (ref.date !== undefined) {
    checkDate(ref.date);
    if (ref.time !== undefined) {
      where.push(`a.starts_at = $${params.push(toInstant(ref.date, checkTime(ref.time), timeZone).toISOString())}::timestamptz`);
      what = `on ${ref.date} at ${ref.time}`;
    } else {
      params.push(...dayRange(ref.date, timeZone));
      where.push(`a.starts_at >= $${params.length - 1}::timestamptz AND a.starts_at < $${params.length}::timestamptz`);
      what = `on ${ref.date}`;
    }
  } else if (ref.customerId !== undefined) {
    where.push(`a.starts_at > $${params.push(now.toISOString())}::timestamptz`);
    what = 'coming up';
  } else {
    throw new BusinessError('invalid_request', 'Which appointment? Give its id, or its date (and time).');
  }
  if (ref.customerId !== undefined) where.push(`a.customer_id = $${params.push(ref.customerId)}`);
  const rows = (await tx.query<AppointmentRow>(`${SELECT_APPOINTMENT} WHERE ${where.join(' AND ')} ORDER BY a.starts_at, st.name, a.id LIMIT 10 FOR UPDATE OF a`, params)).rows;
  const [only, ...more] = rows;
  const whose = ref.customerId !== undefined ? ' for this caller' : '';
  if (!only) throw new BusinessError('not_found', `There's no booked appointment ${what}${whose}.`);
  if (more.length > 0) {
    const list = rows.map((r) => {
      const local = toLocal(r.starts_at, timeZone);
      return `${ref.date === undefined ? `${local.date} ` : ''}${local.time} ${r.service} with ${r.staff}`;
    });
    throw new BusinessError('invalid_request', `There are ${rows.length} appointments ${what}${whose}: ${list.join('; ')}. Which one?`);
  }
  return only;
}
