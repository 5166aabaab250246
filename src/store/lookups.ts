import { clampLimit } from './input.js';
import { phoneDigits, phoneTail, samePhone } from './phone.js';
import type { Customer, Order, Queryable } from './types.js';

/* Read-only lookups an agent makes for a caller: who they are, where their order is. */

interface CustomerRow {
  id: string;
  name: string;
  phone: string | null;
  account_id: string | null;
  email: string | null;
}

const SELECT_CUSTOMER = 'SELECT id, name, phone, account_id, email FROM customers';

function toCustomer(r: CustomerRow): Customer {
  return { id: r.id, name: r.name, phone: r.phone, accountId: r.account_id, email: r.email };
}

/** One key decides, most specific first: id, then account id (any case), then phone (digits only). */
export async function findCustomer(db: Queryable, q: { id?: string; phone?: string; accountId?: string }): Promise<Customer | null> {
  let row: CustomerRow | undefined;
  if (q.id !== undefined) row = (await db.query<CustomerRow>(`${SELECT_CUSTOMER} WHERE id = $1`, [q.id])).rows[0];
  else if (q.accountId !== undefined) row = (await db.query<CustomerRow>(`${SELECT_CUSTOMER} WHERE upper(account_id) = upper($1)`, [q.accountId.trim()])).rows[0];
  else if (q.phone !== undefined) return (await listCustomers(db, { phone: q.phone, limit: 1 }))[0] ?? null;
  return row ? toCustomer(row) : null;
}

export async function listCustomers(db: Queryable, filter: { phone?: string; name?: string; limit?: number } = {}): Promise<Customer[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.phone !== undefined) {
    const digits = phoneDigits(filter.phone);
    if (digits.length === 0) return [];
    // The index narrows to the last 7 digits; samePhone then decides about prefixes.
    where.push(`right(phone_digits, 7) = $${params.push(phoneTail(digits))}`);
  }
  if (filter.name !== undefined) where.push(`strpos(lower(name), lower($${params.push(filter.name.trim())})) > 0`);
  const limit = clampLimit(filter.limit, 50);
  const sql = `${SELECT_CUSTOMER}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name, id`;
  const phone = filter.phone;
  if (phone === undefined) return (await db.query<CustomerRow>(`${sql} LIMIT $${params.push(limit)}`, params)).rows.map(toCustomer);
  const rows = (await db.query<CustomerRow>(sql, params)).rows;
  return rows
    .filter((r) => r.phone !== null && samePhone(r.phone, phone))
    .slice(0, limit)
    .map(toCustomer);
}

/** An order by its number, as said ("#4072", " 4072 "). */
export async function findOrder(db: Queryable, id: string): Promise<Order | null> {
  const key = id.trim().replace(/^#/, '').replace(/\s+/g, '');
  const rows = (
    await db.query<{ id: string; customer_id: string | null; status: Order['status']; eta: string | null; item: string | null; quantity: number | null }>(
      `SELECT o.id, o.customer_id, o.status, o.eta, i.name AS item, i.quantity
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
        WHERE o.id = $1 ORDER BY i.position`,
      [key],
    )
  ).rows;
  const first = rows[0];
  if (!first) return null;
  return {
    id: first.id,
    customerId: first.customer_id,
    status: first.status,
    eta: first.eta,
    items: rows.flatMap((r) => (r.item !== null && r.quantity !== null ? [{ name: r.item, quantity: r.quantity }] : [])),
  };
}
