import {
  BusinessError,
  type Appointment,
  type AppointmentRef,
  type Availability,
  type AvailabilityQuery,
  type BookRequest,
  type BusinessStore,
  type Customer,
  type Order,
  type Service,
  type StaffMember,
} from '../../src/store/types.js';

/**
 * A small in-memory BusinessStore for the tool tests: one staff member, half-hourly slots
 * 09:00–11:30, closed on 2026-11-29. Every call is logged with its idempotency key, and a
 * `gate` can hold calls open to test timeouts and concurrency.
 */
export class FakeBusinessStore implements BusinessStore {
  readonly log: { method: string; args: unknown; key?: string | undefined }[] = [];
  readonly appts = new Map<string, Appointment>();
  private readonly byKey = new Map<string, Appointment>();
  private seq = 0;
  /** When set, every method waits for it first. */
  gate: Promise<void> | null = null;
  /** When set, every method throws it. */
  failWith: Error | null = null;

  readonly customersList: Customer[] = [
    { id: 'c1', name: 'Ana Lopez', phone: '+15555551234', accountId: 'A-100', email: 'ana@example.com' },
    { id: 'c2', name: 'Ben Okafor', phone: '+15555559876', accountId: null, email: null },
  ];
  readonly ordersList: Order[] = [
    { id: '1234', customerId: 'c1', status: 'out_for_delivery', items: [{ name: 'toothbrush', quantity: 2 }], eta: '2026-11-25' },
    { id: '5678', customerId: 'c2', status: 'processing', items: [], eta: null },
  ];
  private readonly slots = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30'];

  private async enter(method: string, args: unknown, key?: string): Promise<void> {
    this.log.push({ method, args, key });
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
  }

  calls(method: string) {
    return this.log.filter((l) => l.method === method);
  }

  async services(): Promise<Service[]> {
    await this.enter('services', undefined);
    return [{ id: 's1', name: 'consultation', durationMin: 30, priceCents: 5000 }];
  }

  async staff(): Promise<StaffMember[]> {
    await this.enter('staff', undefined);
    return [{ id: 'p1', name: 'Doctor Patel', services: ['consultation'] }];
  }

  private free(date: string): string[] {
    const taken = new Set([...this.appts.values()].filter((a) => a.date === date && a.status === 'booked').map((a) => a.time));
    return this.slots.filter((t) => !taken.has(t));
  }

  async availability(q: AvailabilityQuery): Promise<Availability> {
    await this.enter('availability', q);
    if (q.service !== 'consultation') throw new BusinessError('unknown_service', `we don't offer "${q.service}"; we offer a consultation`);
    if (q.date === '2026-11-29') throw new BusinessError('closed', "we're closed that day");
    const free = this.free(q.date);
    return { service: q.service, date: q.date, availableTimes: free, ...(q.time ? { available: free.includes(q.time) } : {}) };
  }

  async book(req: BookRequest, key?: string): Promise<Appointment> {
    await this.enter('book', req, key);
    const seen = key ? this.byKey.get(key) : undefined;
    if (seen) return seen;
    const free = this.free(req.date);
    if (!free.includes(req.time)) throw new BusinessError('slot_taken', 'that time is already taken', free.slice(0, 3));
    const a: Appointment = { id: `a${++this.seq}`, service: req.service, staff: req.staff ?? 'Doctor Patel', customerId: req.customerId ?? null, date: req.date, time: req.time, durationMin: 30, status: 'booked', createdAt: '2026-11-23T15:00:00Z' };
    this.appts.set(a.id, a);
    if (key) this.byKey.set(key, a);
    return a;
  }

  private find(ref: AppointmentRef): Appointment {
    const a = ref.appointmentId
      ? this.appts.get(ref.appointmentId)
      : [...this.appts.values()].find((x) => x.status === 'booked' && (!ref.customerId || x.customerId === ref.customerId) && (!ref.date || x.date === ref.date) && (!ref.time || x.time === ref.time));
    if (!a || a.status !== 'booked') throw new BusinessError('not_found', "I couldn't find that appointment");
    return a;
  }

  async cancel(ref: AppointmentRef, key?: string): Promise<Appointment> {
    await this.enter('cancel', ref, key);
    const a = this.find(ref);
    a.status = 'cancelled';
    return a;
  }

  async reschedule(ref: AppointmentRef, to: { date: string; time: string }, key?: string): Promise<Appointment> {
    await this.enter('reschedule', { ref, to }, key);
    const a = this.find(ref);
    if (!this.free(to.date).includes(to.time)) throw new BusinessError('slot_taken', 'that time is already taken', this.free(to.date).slice(0, 3));
    Object.assign(a, to);
    return a;
  }

  async appointment(id: string): Promise<Appointment | null> {
    await this.enter('appointment', id);
    return this.appts.get(id) ?? null;
  }

  async appointments(filter: { date?: string; customerId?: string; status?: Appointment['status']; limit?: number } = {}): Promise<Appointment[]> {
    await this.enter('appointments', filter);
    return [...this.appts.values()].filter((a) => (!filter.date || a.date === filter.date) && (!filter.customerId || a.customerId === filter.customerId) && (!filter.status || a.status === filter.status));
  }

  async customer(q: { id?: string; phone?: string; accountId?: string }): Promise<Customer | null> {
    await this.enter('customer', q);
    const digits = (s: string | null) => (s ?? '').replace(/\D/g, '');
    return (
      this.customersList.find((c) => (q.id && c.id === q.id) || (q.accountId && c.accountId === q.accountId) || (q.phone && digits(c.phone).endsWith(digits(q.phone)))) ?? null
    );
  }

  async customers(filter: { phone?: string; name?: string; limit?: number } = {}): Promise<Customer[]> {
    await this.enter('customers', filter);
    return this.customersList.filter((c) => !filter.name || c.name.includes(filter.name));
  }

  async order(id: string): Promise<Order | null> {
    await this.enter('order', id);
    return this.ordersList.find((o) => o.id === id) ?? null;
  }
}
