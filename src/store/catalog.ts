import { BusinessError, type Queryable, type Service, type StaffMember } from './types.js';

/*
 * Services and staff as callers name them: "check-up", "Checkups" and "checkup" are one
 * service; "Dr. Patel" and "Patel" are Doctor Patel.
 */

export interface StaffEntry extends StaffMember {
  serviceIds: string[];
}

export interface Catalog {
  services: Service[];
  staff: StaffEntry[];
}

export async function loadCatalog(q: Queryable): Promise<Catalog> {
  const services = (
    await q.query<{ id: string; name: string; duration_min: number; price_cents: number }>('SELECT id, name, duration_min, price_cents FROM services ORDER BY name, id')
  ).rows.map((r) => ({ id: r.id, name: r.name, durationMin: r.duration_min, priceCents: r.price_cents }));
  const rows = (
    await q.query<{ id: string; name: string; service_id: string | null; service: string | null }>(
      `SELECT st.id, st.name, sv.id AS service_id, sv.name AS service
         FROM staff st
         LEFT JOIN staff_services ss ON ss.staff_id = st.id
         LEFT JOIN services sv ON sv.id = ss.service_id
        ORDER BY st.name, st.id, sv.name`,
    )
  ).rows;
  const staff = new Map<string, StaffEntry>();
  for (const r of rows) {
    let s = staff.get(r.id);
    if (!s) staff.set(r.id, (s = { id: r.id, name: r.name, services: [], serviceIds: [] }));
    if (r.service_id && r.service) {
      s.serviceIds.push(r.service_id);
      s.services.push(r.service);
    }
  }
  return { services, staff: [...staff.values()] };
}

function serviceKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/s$/, '');
}

function staffKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/\bdr\b\.?/g, 'doctor')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function findService(catalog: Catalog, name: string): Service {
  const key = serviceKey(name);
  const found = catalog.services.find((s) => serviceKey(s.name) === key);
  if (found) return found;
  throw new BusinessError('unknown_service', `We don't offer "${name}". We offer ${listNames(catalog.services.map((s) => s.name))}.`);
}

export function findStaff(catalog: Catalog, name: string): StaffEntry {
  const key = staffKey(name);
  const exact = catalog.staff.find((s) => staffKey(s.name) === key);
  if (exact) return exact;
  // A surname alone ("Patel") is enough when only one person has it.
  const bySurname = key.includes(' ') ? [] : catalog.staff.filter((s) => staffKey(s.name).split(' ').at(-1) === key);
  if (bySurname.length === 1 && bySurname[0]) return bySurname[0];
  throw new BusinessError('unknown_staff', `There is no ${name} here. Our staff: ${listNames(catalog.staff.map((s) => s.name))}.`);
}

/** Staff who do the service: the named person (who must do it), or everyone who does, by name. */
export function staffFor(catalog: Catalog, service: Service, staffName?: string): StaffEntry[] {
  const doers = catalog.staff.filter((s) => s.serviceIds.includes(service.id));
  if (staffName === undefined) return doers;
  const person = findStaff(catalog, staffName);
  if (!person.serviceIds.includes(service.id)) {
    const who = doers.length > 0 ? ` ${listNames(doers.map((s) => s.name))} ${doers.length === 1 ? 'does' : 'do'}.` : '';
    throw new BusinessError('invalid_request', `${person.name} doesn't do ${service.name} appointments.${who}`);
  }
  return [person];
}

export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
