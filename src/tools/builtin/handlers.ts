import type { Appointment, AppointmentRef, BusinessStore, Customer } from '../../store/types.js';
import { failure, knownFailure } from '../outcome.js';
import type { ToolContext, ToolInvocation, ToolOutcome } from '../types.js';
import type { BuiltinToolArgs, BuiltinToolName } from './schemas.js';

/*
 * The built-in business tools over a BusinessStore. Output keys are snake_case, as tools speak
 * to models, and keep the shapes the embedded receptionist brain reads: `error`,
 * `available_times`, `available`, `appointment.id`, `status`, `eta`, `name`.
 */

export type BuiltinHandler<N extends BuiltinToolName> = (args: BuiltinToolArgs<N>, ctx: ToolContext, call: ToolInvocation) => Promise<ToolOutcome>;
export type BuiltinHandlers = { [N in BuiltinToolName]: BuiltinHandler<N> };

/** Built-ins that act on the session only and need no store. */
export const SESSION_BUILTINS: ReadonlySet<BuiltinToolName> = new Set<BuiltinToolName>(['end_call', 'transfer_to_human']);

const appointmentOutput = (a: Appointment) => ({ id: a.id, service: a.service, staff: a.staff, date: a.date, time: a.time, duration_min: a.durationMin });

const customerOutput = (c: Customer) => ({ found: true, customer_id: c.id, name: c.name, ...(c.accountId ? { account_id: c.accountId } : {}) });

/** Runs a store operation; a BusinessError becomes an output the model can act on. */
async function guarded(fn: () => Promise<ToolOutcome>): Promise<ToolOutcome> {
  try {
    return await fn();
  } catch (e) {
    const known = knownFailure(e);
    if (known) return known;
    throw e;
  }
}

/** Which appointment the caller means; the session's caller narrows it to their own. */
function appointmentRef(a: { appointment_id?: string | undefined; date?: string | undefined; time?: string | undefined }, ctx: ToolContext): AppointmentRef | null {
  const ref: AppointmentRef = {};
  if (a.appointment_id) ref.appointmentId = a.appointment_id;
  if (a.date) ref.date = a.date;
  if (a.time) ref.time = a.time;
  if (ctx.customerId) ref.customerId = ctx.customerId;
  // A time alone, or nothing at all for an unknown caller, cannot name one appointment.
  return ref.appointmentId || ref.date || ref.customerId ? ref : null;
}

const WHICH_APPOINTMENT = 'I need the date and time of the appointment, or its id, to find it';

function requireStore(store: BusinessStore | null): BusinessStore {
  if (!store) throw new Error('built-in business tools need a BusinessStore');
  return store;
}

export function createBuiltinHandlers(businessStore: BusinessStore | null): BuiltinHandlers {
  const store = () => requireStore(businessStore);
  return {
    check_availability: (a) =>
      guarded(async () => {
        const r = await store().availability({ service: a.service, date: a.date, ...(a.time ? { time: a.time } : {}), ...(a.staff ? { staff: a.staff } : {}) });
        const asked = a.time ? { time: a.time, available: r.available ?? r.availableTimes.includes(a.time) } : {};
        return { output: { service: r.service, date: r.date, ...(a.staff ? { staff: a.staff } : {}), ...asked, available_times: r.availableTimes } };
      }),

    book_appointment: (a, ctx, call) =>
      guarded(async () => {
        const s = store();
        // A phone number given now names the customer; otherwise the caller identified earlier.
        const customer = a.phone ? await s.customer({ phone: a.phone }) : ctx.customerId ? await s.customer({ id: ctx.customerId }) : null;
        if (customer && !ctx.customerId) ctx.customerId = customer.id;
        const appt = await s.book({ service: a.service, date: a.date, time: a.time, ...(a.staff ? { staff: a.staff } : {}), ...(customer ? { customerId: customer.id } : {}) }, call.idempotencyKey);
        const who = customer ? { customer: { id: customer.id, name: customer.name } } : a.customer_name ? { customer_name: a.customer_name } : {};
        return { output: { appointment: appointmentOutput(appt), ...who } };
      }),

    cancel_appointment: (a, ctx, call) =>
      guarded(async () => {
        const ref = appointmentRef(a, ctx);
        if (!ref) return failure('invalid_request', WHICH_APPOINTMENT);
        const appt = await store().cancel(ref, call.idempotencyKey);
        return { output: { status: 'cancelled', appointment: { ...appointmentOutput(appt), status: appt.status } } };
      }),

    reschedule_appointment: (a, ctx, call) =>
      guarded(async () => {
        const ref = appointmentRef(a, ctx);
        if (!ref) return failure('invalid_request', WHICH_APPOINTMENT);
        const appt = await store().reschedule(ref, { date: a.new_date, time: a.new_time }, call.idempotencyKey);
        return { output: { status: 'rescheduled', appointment: appointmentOutput(appt) } };
      }),

    lookup_customer: (a, ctx) =>
      guarded(async () => {
        if (!a.phone && !a.account_id) return failure('invalid_request', 'I need a phone number or an account number to find the account');
        const c = await store().customer(a.account_id ? { accountId: a.account_id } : { phone: a.phone as string });
        if (!c) return { output: { found: false, message: `no customer with that ${a.account_id ? 'account number' : 'phone number'}` } };
        ctx.customerId = c.id;
        return { output: customerOutput(c) };
      }),

    lookup_order: (a, ctx) =>
      guarded(async () => {
        const o = await store().order(a.order_id);
        // A known caller only sees their own orders; someone else's reads as not found.
        if (!o || (ctx.customerId && o.customerId && o.customerId !== ctx.customerId)) {
          return failure('not_found', `order ${a.order_id} was not found`, { order_id: a.order_id });
        }
        return { output: { order_id: o.id, status: o.status, items: o.items.map((i) => ({ name: i.name, quantity: i.quantity })), eta: o.eta } };
      }),

    end_call: async (a) => ({ output: { ok: true }, action: { action: 'end_call', reason: a.reason ?? 'the agent ended the call' } }),

    transfer_to_human: async (a) => ({ output: { ok: true }, action: { action: 'transfer', reason: a.reason ?? 'the agent transferred the call' } }),
  };
}
