import type { CallerContext } from '../conversation/caller-context.js';
import type { Store } from '../store/types.js';

export interface MemoryPolicy {
  enabled: boolean;
  /** How many earlier session summaries to include. */
  summaries: number;
  /** How many recent actions to include. */
  lastActions: number;
}

/**
 * What to tell the engine about a returning caller: their summaries, preferences and last
 * actions from earlier sessions, their name when they are a known customer, and their
 * upcoming appointments — those their earlier tool calls touched (so anonymous client ids
 * work too) and those on their customer record. Null for an
 * anonymous caller, or when there is nothing to tell.
 */
export async function callerContext(store: Store, callerId: string | null, policy: MemoryPolicy, now = new Date()): Promise<CallerContext | null> {
  if (!callerId || !policy.enabled) return null;
  const [memory, customer] = await Promise.all([
    store.records.memory(callerId, Math.max(policy.summaries, policy.lastActions)),
    store.business.customer({ phone: callerId }).then((c) => c ?? store.business.customer({ id: callerId })),
  ]);
  const appointments = [
    ...(await Promise.all(memory.appointmentIds.map((id) => store.business.appointment(id)))),
    ...(customer ? await store.business.appointments({ customerId: customer.id, status: 'booked' }) : []),
  ];
  const today = now.toISOString().slice(0, 10);
  const seen = new Set<string>();
  const upcoming = appointments
    .filter((a): a is NonNullable<typeof a> => a !== null && a.status === 'booked' && a.date >= today && !seen.has(a.id) && Boolean(seen.add(a.id)))
    .sort((a, b) => `${a.date} ${a.time}`.localeCompare(`${b.date} ${b.time}`))
    .map((a) => ({ id: a.id, service: a.service, date: a.date, time: a.time, staff: a.staff }));
  const ctx: CallerContext = {
    name: customer?.name ?? null,
    customer_id: customer?.id ?? null,
    summaries: memory.summaries.slice(0, policy.summaries),
    preferences: memory.preferences,
    last_actions: memory.lastActions.slice(0, policy.lastActions),
    upcoming_appointments: upcoming,
  };
  const empty = !ctx.name && ctx.summaries.length === 0 && ctx.last_actions.length === 0 && upcoming.length === 0 && Object.keys(ctx.preferences).length === 0;
  return empty ? null : ctx;
}
