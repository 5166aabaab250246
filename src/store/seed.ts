import { SCHEMA_LOCK_KEY } from './migrate.js';
import type { Database, Order, Queryable } from './types.js';

/*
 * Demo data for a fresh database: a small clinic, so the receptionist agent works out of the
 * box. Written once: a marker in store_meta records it, and a database that already has
 * services (someone's real business) is never touched.
 */

export const DEMO_BUSINESS = 'Maple Street Clinic';

const SERVICES = [
  { id: 'svc_consultation', name: 'consultation', durationMin: 30, priceCents: 12_000 },
  { id: 'svc_checkup', name: 'check-up', durationMin: 30, priceCents: 8_000 },
  { id: 'svc_cleaning', name: 'cleaning', durationMin: 45, priceCents: 9_500 },
  { id: 'svc_followup', name: 'follow-up', durationMin: 15, priceCents: 5_000 },
  { id: 'svc_vaccination', name: 'vaccination', durationMin: 15, priceCents: 3_500 },
];

const STAFF = [
  { id: 'stf_smith', name: 'Doctor Smith', services: ['svc_consultation', 'svc_checkup', 'svc_followup'] },
  { id: 'stf_patel', name: 'Doctor Patel', services: ['svc_consultation', 'svc_checkup', 'svc_followup'] },
  { id: 'stf_garcia', name: 'Nurse Garcia', services: ['svc_vaccination', 'svc_cleaning', 'svc_checkup'] },
];

/** weekday 0 = Sunday; Sunday has no row (closed). */
const HOURS = [
  ...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '08:00', closes: '18:00' })),
  { weekday: 6, opens: '09:00', closes: '13:00' },
];

const HOLIDAYS = [
  { date: '2026-12-25', name: 'Christmas Day' },
  { date: '2027-01-01', name: "New Year's Day" },
];

const CUSTOMERS = [
  { id: 'cus_maria_lopez', name: 'Maria Lopez', phone: '+16175550199', accountId: 'ACC1001', email: 'maria.lopez@example.com' },
  { id: 'cus_james_chen', name: 'James Chen', phone: '+15551234', accountId: 'ACC1002', email: 'james.chen@example.com' },
  { id: 'cus_aisha_khan', name: 'Aisha Khan', phone: '+14155550123', accountId: 'ACC1003', email: 'aisha.khan@example.com' },
  { id: 'cus_tom_becker', name: 'Tom Becker', phone: '+442079460958', accountId: 'ACC1004', email: null },
  { id: 'cus_sofia_rossi', name: 'Sofia Rossi', phone: '+13125550147', accountId: 'ACC1005', email: 'sofia.rossi@example.com' },
];

const ORDERS: Array<Omit<Order, 'customerId'> & { customer: string | null }> = [
  { id: '1234', customer: 'cus_maria_lopez', status: 'shipped', eta: '2026-11-25', items: [{ name: 'blood pressure monitor', quantity: 1 }, { name: 'test strips', quantity: 2 }] },
  { id: '4072', customer: 'cus_james_chen', status: 'processing', eta: '2026-11-30', items: [{ name: 'vitamin D supplements', quantity: 2 }] },
  { id: '902613', customer: 'cus_aisha_khan', status: 'out_for_delivery', eta: '2026-11-23', items: [{ name: 'digital thermometer', quantity: 1 }, { name: 'hand sanitizer', quantity: 3 }] },
  { id: '55819', customer: 'cus_maria_lopez', status: 'delivered', eta: '2026-11-18', items: [{ name: 'first aid kit', quantity: 1 }] },
  { id: '8165', customer: 'cus_tom_becker', status: 'cancelled', eta: null, items: [{ name: 'knee brace', quantity: 1 }] },
  { id: '4567', customer: 'cus_sofia_rossi', status: 'shipped', eta: '2026-11-27', items: [{ name: 'compression socks', quantity: 2 }, { name: 'heating pad', quantity: 1 }] },
  { id: '337', customer: null, status: 'processing', eta: null, items: [{ name: 'pill organizer', quantity: 4 }] },
];

/** Seeds the demo clinic unless already done (or the database has its own services). Returns whether it wrote anything. */
export async function seedDemoData(db: Database): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Same lock as migrations: two processes starting together seed once.
    await tx.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
    if ((await tx.query(`SELECT 1 FROM store_meta WHERE key = 'seeded'`)).rows.length > 0) return false;
    const hasOwnData = (await tx.query('SELECT 1 FROM services LIMIT 1')).rows.length > 0;
    if (!hasOwnData) await insertDemo(tx);
    await tx.query(`INSERT INTO store_meta (key, value) VALUES ('seeded', $1)`, [hasOwnData ? 'skipped: database had services' : `${DEMO_BUSINESS} demo data`]);
    return !hasOwnData;
  });
}

async function insertDemo(tx: Queryable): Promise<void> {
  for (const s of SERVICES) await tx.query('INSERT INTO services (id, name, duration_min, price_cents) VALUES ($1, $2, $3, $4)', [s.id, s.name, s.durationMin, s.priceCents]);
  for (const s of STAFF) {
    await tx.query('INSERT INTO staff (id, name) VALUES ($1, $2)', [s.id, s.name]);
    for (const service of s.services) await tx.query('INSERT INTO staff_services (staff_id, service_id) VALUES ($1, $2)', [s.id, service]);
  }
  for (const h of HOURS) await tx.query('INSERT INTO business_hours (weekday, opens_at, closes_at) VALUES ($1, $2::time, $3::time)', [h.weekday, h.opens, h.closes]);
  for (const h of HOLIDAYS) await tx.query('INSERT INTO holidays (date, name) VALUES ($1::date, $2)', [h.date, h.name]);
  for (const c of CUSTOMERS) {
    await tx.query('INSERT INTO customers (id, name, phone, account_id, email) VALUES ($1, $2, $3, $4, $5)', [c.id, c.name, c.phone, c.accountId, c.email]);
  }
  for (const o of ORDERS) {
    await tx.query('INSERT INTO orders (id, customer_id, status, eta) VALUES ($1, $2, $3, $4::date)', [o.id, o.customer, o.status, o.eta]);
    for (const [i, item] of o.items.entries()) {
      await tx.query('INSERT INTO order_items (order_id, position, name, quantity) VALUES ($1, $2, $3, $4)', [o.id, i + 1, item.name, item.quantity]);
    }
  }
}
