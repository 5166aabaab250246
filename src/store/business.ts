import { busyOn, closedMessage, dayPlan, fitsHours, freeStaff, freeTimes, hoursText, nearest, type DayPlan } from './calendar.js';
import { findService, loadCatalog, staffFor, type Catalog, type StaffEntry } from './catalog.js';
import { SELECT_APPOINTMENT, resolveAppointment, toAppointment, type AppointmentRow } from './appointment-rows.js';
import { sqlState } from './errors.js';
import { idempotent } from './idempotency.js';
import { newId } from './ids.js';
import { checkDate, checkTime, clampLimit } from './input.js';
import { findCustomer, findOrder, listCustomers } from './lookups.js';
import { checkTimeZone, dayRange, toInstant } from './time.js';
import {
  BusinessError,
  type Appointment,
  type AppointmentRef,
  type Availability,
  type AvailabilityQuery,
  type BookRequest,
  type BusinessStore,
  type Customer,
  type Database,
  type Order,
  type Queryable,
  type Service,
  type StaffMember,
} from './types.js';

export interface BusinessStoreOptions {
  /** IANA zone the business's dates and times are in (default America/New_York). */
  timeZone?: string;
  /** The clock (tests pin it). */
  now?: () => Date;
}

const MINUTE = 60_000;
/** Tries of one staff member when the insert deadlocks with a concurrent booking (PostgreSQL picks a victim). */
const DEADLOCK_RETRIES = 3;

export class PostgresBusinessStore implements BusinessStore {
  private readonly timeZone: string;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    opts: BusinessStoreOptions = {},
  ) {
    this.timeZone = opts.timeZone ?? 'America/New_York';
    checkTimeZone(this.timeZone);
    this.now = opts.now ?? (() => new Date());
  }

  async services(): Promise<Service[]> {
    return (await loadCatalog(this.db)).services;
  }

  async staff(): Promise<StaffMember[]> {
    return (await loadCatalog(this.db)).staff.map(({ id, name, services }) => ({ id, name, services }));
  }

  async availability(q: AvailabilityQuery): Promise<Availability> {
    checkDate(q.date);
    const minute = q.time === undefined ? undefined : checkTime(q.time);
    const catalog = await loadCatalog(this.db);
    const service = findService(catalog, q.service);
    const staff = staffFor(catalog, service, q.staff).map((s) => s.id);
    const plan = await dayPlan(this.db, q.date);
    const busy = await busyOn(this.db, q.date, staff, this.timeZone);
    const availableTimes = freeTimes(plan, busy, staff, service.durationMin, this.now(), this.timeZone);
    const result: Availability = { service: service.name, date: q.date, availableTimes };
    if (minute !== undefined) {
      // Any minute may be asked, not only grid times: check that exact start.
      const start = toInstant(q.date, minute, this.timeZone);
      result.available =
        fitsHours(plan, minute, service.durationMin) && start.getTime() > this.now().getTime() && freeStaff(busy, staff, start, service.durationMin).length > 0;
    }
    return result;
  }

  book(req: BookRequest, idempotencyKey?: string): Promise<Appointment> {
    return idempotent(this.db, 'book', idempotencyKey, req, async (tx) => {
      checkDate(req.date);
      const minute = checkTime(req.time);
      const catalog = await loadCatalog(tx);
      const service = findService(catalog, req.service);
      const candidates = staffFor(catalog, service, req.staff);
      if (req.customerId !== undefined) await this.requireCustomer(tx, req.customerId);
      const plan = await this.checkSlot(tx, req.date, minute, service.durationMin, candidates);
      const start = toInstant(req.date, minute, this.timeZone);
      const id = newId('apt');
      await this.place(tx, plan, minute, service.durationMin, candidates, undefined, (sid) =>
        tx.query(
          `INSERT INTO appointments (id, service_id, staff_id, customer_id, starts_at, duration_min, ends_at, status, staff_requested, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7::timestamptz, 'booked', $8, $9::timestamptz, $9::timestamptz)`,
          [id, service.id, sid, req.customerId ?? null, start.toISOString(), service.durationMin, endOf(start, service.durationMin), req.staff !== undefined, this.now().toISOString()],
        ),
      );
      return this.mustGet(tx, id);
    });
  }

  cancel(ref: AppointmentRef, idempotencyKey?: string): Promise<Appointment> {
    return idempotent(this.db, 'cancel', idempotencyKey, ref, async (tx) => {
      const row = await resolveAppointment(tx, ref, this.timeZone, this.now());
      if (row.status === 'cancelled') throw new BusinessError('invalid_request', 'That appointment is already cancelled.');
      if (row.starts_at.getTime() <= this.now().getTime()) throw new BusinessError('in_the_past', 'That appointment has already started or taken place.');
      await tx.query(`UPDATE appointments SET status = 'cancelled', updated_at = $2::timestamptz WHERE id = $1`, [row.id, this.now().toISOString()]);
      return this.mustGet(tx, row.id);
    });
  }

  reschedule(ref: AppointmentRef, to: { date: string; time: string }, idempotencyKey?: string): Promise<Appointment> {
    return idempotent(this.db, 'reschedule', idempotencyKey, { ref, to }, async (tx) => {
      checkDate(to.date);
      const minute = checkTime(to.time);
      const row = await resolveAppointment(tx, ref, this.timeZone, this.now());
      if (row.status === 'cancelled') throw new BusinessError('invalid_request', 'That appointment is cancelled; book a new one instead.');
      if (row.starts_at.getTime() <= this.now().getTime()) throw new BusinessError('in_the_past', 'That appointment has already started or taken place.');
      const catalog = await loadCatalog(tx);
      const candidates = rescheduleStaff(catalog, row);
      const plan = await this.checkSlot(tx, to.date, minute, row.duration_min, candidates, row.id);
      const start = toInstant(to.date, minute, this.timeZone);
      await this.place(tx, plan, minute, row.duration_min, candidates, row.id, (sid) =>
        tx.query(`UPDATE appointments SET starts_at = $2::timestamptz, ends_at = $3::timestamptz, staff_id = $4, updated_at = $5::timestamptz WHERE id = $1`, [
          row.id,
          start.toISOString(),
          endOf(start, row.duration_min),
          sid,
          this.now().toISOString(),
        ]),
      );
      return this.mustGet(tx, row.id);
    });
  }

  async appointment(id: string): Promise<Appointment | null> {
    const row = (await this.db.query<AppointmentRow>(`${SELECT_APPOINTMENT} WHERE a.id = $1`, [id])).rows[0];
    return row ? toAppointment(row, this.timeZone) : null;
  }

  async appointments(filter: { date?: string; customerId?: string; status?: Appointment['status']; limit?: number } = {}): Promise<Appointment[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.date !== undefined) {
      checkDate(filter.date);
      params.push(...dayRange(filter.date, this.timeZone));
      where.push(`a.starts_at >= $${params.length - 1}::timestamptz AND a.starts_at < $${params.length}::timestamptz`);
    }
    if (filter.customerId !== undefined) where.push(`a.customer_id = $${params.push(filter.customerId)}`);
    if (filter.status !== undefined) where.push(`a.status = $${params.push(filter.status)}`);
    const sql = `${SELECT_APPOINTMENT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.starts_at, a.id LIMIT $${params.push(clampLimit(filter.limit, 100))}`;
    return (await this.db.query<AppointmentRow>(sql, params)).rows.map((r) => toAppointment(r, this.timeZone));
  }

  customer(q: { id?: string; phone?: string; accountId?: string }): Promise<Customer | null> {
    return findCustomer(this.db, q);
  }

  customers(filter: { phone?: string; name?: string; limit?: number } = {}): Promise<Customer[]> {
    return listCustomers(this.db, filter);
  }

  order(id: string): Promise<Order | null> {
    return findOrder(this.db, id);
  }

  // ---------------------------------------------------------------- internals

  /** Hours, holiday and the past; returns the day's plan when the start is acceptable. */
  private async checkSlot(tx: Queryable, date: string, minute: number, durationMin: number, staff: StaffEntry[], ignoreId?: string): Promise<DayPlan> {
    const plan = await dayPlan(tx, date);
    if (toInstant(date, minute, this.timeZone).getTime() <= this.now().getTime()) {
      throw new BusinessError('in_the_past', 'That time has already passed.', await this.alternatives(tx, plan, minute, durationMin, staff, ignoreId));
    }
    if (plan.windows.length === 0) throw new BusinessError('closed', closedMessage(plan));
    if (!fitsHours(plan, minute, durationMin)) {
      throw new BusinessError(
        'closed',
        `That's outside our hours: on ${date} we're open ${hoursText(plan)}, and a ${durationMin}-minute appointment has to end by closing.`,
        await this.alternatives(tx, plan, minute, durationMin, staff, ignoreId),
      );
    }
    return plan;
  }

  /**
   * Writes the appointment with the first free candidate. The exclusion constraint decides
   * races: a conflict (23P01) moves on to the next person, a deadlock between two
   * concurrent inserts (40P01, PostgreSQL aborts one) tries the same person again. Each try
   * runs under a savepoint so a failed one leaves the transaction usable.
   */
  private async place(
    tx: Queryable,
    plan: DayPlan,
    minute: number,
    durationMin: number,
    candidates: StaffEntry[],
    ignoreId: string | undefined,
    write: (staffId: string) => Promise<unknown>,
  ): Promise<string> {
    const start = toInstant(plan.date, minute, this.timeZone);
    const ids = candidates.map((s) => s.id);
    const free = freeStaff(await busyOn(tx, plan.date, ids, this.timeZone, ignoreId), ids, start, durationMin);
    for (const staffId of free) {
      for (let attempt = 1; attempt <= DEADLOCK_RETRIES; attempt++) {
        await tx.query('SAVEPOINT place_appointment');
        try {
          await write(staffId);
          await tx.query('RELEASE SAVEPOINT place_appointment');
          return staffId;
        } catch (err) {
          const state = sqlState(err);
          if (state !== '23P01' && state !== '40P01') throw err;
          await tx.query('ROLLBACK TO SAVEPOINT place_appointment');
          await tx.query('RELEASE SAVEPOINT place_appointment');
          if (state === '23P01') break;
        }
      }
    }
    throw new BusinessError('slot_taken', 'That time is taken.', await this.alternatives(tx, plan, minute, durationMin, candidates, ignoreId));
  }

  /** A few free times nearest the asked one, that day, with the same staff choice. */
  private async alternatives(tx: Queryable, plan: DayPlan, minute: number, durationMin: number, staff: StaffEntry[], ignoreId?: string): Promise<string[]> {
    const ids = staff.map((s) => s.id);
    const busy = await busyOn(tx, plan.date, ids, this.timeZone, ignoreId);
    return nearest(freeTimes(plan, busy, ids, durationMin, this.now(), this.timeZone), minute);
  }

  private async requireCustomer(tx: Queryable, id: string): Promise<void> {
    const found = await tx.query('SELECT 1 FROM customers WHERE id = $1', [id]);
    if (found.rows.length === 0) throw new BusinessError('not_found', `There's no customer with id ${id}.`);
  }

  private async mustGet(tx: Queryable, id: string): Promise<Appointment> {
    const row = (await tx.query<AppointmentRow>(`${SELECT_APPOINTMENT} WHERE a.id = $1`, [id])).rows[0];
    if (!row) throw new Error(`appointment ${id} vanished inside its own transaction`);
    return toAppointment(row, this.timeZone);
  }
}

/** Who may take a moved appointment: the person the caller asked for, else the same person first, then anyone who does the service. */
function rescheduleStaff(catalog: Catalog, row: AppointmentRow): StaffEntry[] {
  const current = catalog.staff.find((s) => s.id === row.staff_id);
  if (row.staff_requested) return current ? [current] : [];
  const others = catalog.staff.filter((s) => s.id !== row.staff_id && s.serviceIds.includes(row.service_id));
  return current ? [current, ...others] : others;
}

function endOf(start: Date, durationMin: number): string {
  return new Date(start.getTime() + durationMin * MINUTE).toISOString();
}
