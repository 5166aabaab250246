import type { BuiltinToolName } from '../../../tools/builtin/schemas.js';
import type { Turn } from '../../inprocess/latest-turn.js';
import { today, type LocalDate } from './nlu/dates.js';
import { understand, type Intent, type Slots } from './nlu/understand.js';
import type { ReceptionistVocabulary } from './nlu/vocabulary.js';
import type { CallerContext } from '../../../conversation/caller-context.js';
import { article, listOr, stop, timeOnly, when } from './replies.js';

/** The brain answers the same turns every in-process model does. */
export type BrainInput = Turn;

export interface PlannedCall {
  name: BuiltinToolName;
  args: Record<string, unknown>;
}

/** What to do this turn: speak first, then call tools (as a model's preamble + function calls). */
export interface BrainReply {
  say?: string;
  calls: PlannedCall[];
}

type TaskKind = 'book' | 'check' | 'cancel' | 'reschedule' | 'order' | 'customer';
type Awaiting = 'service' | 'date' | 'time' | 'confirm' | 'order_id' | 'phone' | null;

/** Where the dialogue stands, for choosing what the recognizer should listen for. */
export interface Listening {
  /** The question the agent last asked, if any. */
  awaiting: Awaiting;
  /** A task (booking, lookup…) is under way. */
  inTask: boolean;
  /** An appointment was just booked (so "no, Tuesday" may follow). */
  justBooked: boolean;
}

interface Task {
  kind: TaskKind;
  slots: Slots;
  awaiting: Awaiting;
}

const TASK_OF: Partial<Record<Intent, TaskKind>> = {
  book: 'book',
  check_availability: 'check',
  cancel: 'cancel',
  reschedule: 'reschedule',
  lookup_order: 'order',
  lookup_customer: 'customer',
};

const REQUIRED: Record<TaskKind, (keyof Slots)[]> = {
  book: ['service', 'date', 'time'],
  check: ['service', 'date'],
  cancel: [],
  reschedule: ['date', 'time'],
  order: ['orderId'],
  customer: ['phone'],
};

const TOOL_OF: Record<TaskKind, BuiltinToolName> = {
  book: 'book_appointment',
  check: 'check_availability',
  cancel: 'cancel_appointment',
  reschedule: 'reschedule_appointment',
  order: 'lookup_order',
  customer: 'lookup_customer',
};

const QUESTION: Record<keyof Slots, (v: ReceptionistVocabulary) => string> = {
  service: (v) => `Which service would you like: ${listOr(v.services.slice(0, 3))}?`,
  date: () => 'What day works for you?',
  time: () => 'What time would you like?',
  orderId: () => "What's your order number?",
  phone: () => "What's the phone number on your account?",
  accountId: () => "What's your account number?",
  staff: () => 'Who would you like to see?',
};

const AWAIT_OF: Record<keyof Slots, Awaiting> = { service: 'service', date: 'date', time: 'time', orderId: 'order_id', phone: 'phone', accountId: null, staff: null };

const defined = (o: Slots): Slots => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Slots;

function parseOutput(output: string): Record<string, unknown> {
  try {
    const v = JSON.parse(output) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { value: output };
  }
}

const errorText = (o: Record<string, unknown>): string | null => {
  const e = o.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return null;
};

const times = (o: Record<string, unknown>): string[] => {
  const raw = o.available_times ?? o.alternatives ?? o.slots;
  return Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string' && /^\d{2}:\d{2}$/.test(t)) : [];
};

/**
 * The demo receptionist's dialogue: rule-based understanding, slot filling
 * across turns with corrections ("no, Tuesday"), and tool calls made the way
 * a model makes them. One instance per session: it remembers the task in
 * progress and the caller's last booking.
 */
export class ReceptionistBrain {
  private task: Task | null = null;
  private lastBooking: { id?: string; service: string; date: string; time: string } | null = null;
  /** From the caller's earlier sessions (see `recall`). */
  private callerName: string | null = null;
  private upcoming: { id: string; service: string; date: string; time: string } | null = null;

  constructor(
    private readonly vocab: ReceptionistVocabulary,
    private readonly now: () => Date = () => new Date(),
  ) {}

  listening(): Listening {
    return { awaiting: this.task?.awaiting ?? null, inTask: this.task !== null, justBooked: this.lastBooking !== null };
  }

  private base(): LocalDate {
    return today(this.now(), this.vocab.timeZone);
  }

  /** What Parley remembers of a returning caller: their name and next appointment, which "cancel my appointment" then means. */
  recall(ctx: CallerContext): void {
    this.callerName = ctx.name?.split(' ')[0] ?? null;
    const next = ctx.upcoming_appointments[0];
    if (next) {
      this.upcoming = next;
      this.lastBooking ??= { ...next };
    }
  }

  respond(input: BrainInput, tools: ReadonlySet<string>): BrainReply {
    if (input.kind === 'start') return { say: this.greeting(), calls: [] };
    if (input.kind === 'tool_result') return this.afterTool(input);
    return this.afterUser(input.text, tools);
  }

  private greeting(): string {
    if (!this.callerName && !this.upcoming) return `Hi, thanks for calling ${this.vocab.business}. How can I help you today?`;
    const hello = this.callerName ? `Hi ${this.callerName}, welcome back to ${this.vocab.business}.` : `Welcome back to ${this.vocab.business}.`;
    const next = this.upcoming ? ` I see you have ${article(this.upcoming.service)} ${stop(when(this.upcoming.date, this.upcoming.time, this.base()))}` : '';
    return `${hello}${next} How can I help you today?`;
  }

  private afterUser(text: string, tools: ReadonlySet<string>): BrainReply {
    const base = this.base();
    const u = understand(text, this.vocab, base);
    const slots = defined(u.slots);
    if (u.tokens.length === 0) return { say: "Sorry, I didn't catch that. Could you say it again?", calls: [] };

    if (u.intent === 'goodbye') {
      this.task = null;
      return this.withTool(tools, 'end_call', { reason: 'caller said goodbye' }, 'Thanks for calling. Goodbye!');
    }
    if (u.intent === 'human') {
      this.task = null;
      return this.withTool(tools, 'transfer_to_human', { reason: 'caller asked for a person' }, "Sure, I'll transfer you to a colleague now.", "I'm sorry, nobody else is available right now. I can help with appointments and orders.");
    }
    if (u.intent === 'hours') return { say: this.vocab.hours, calls: [] };
    if (u.intent === 'greeting' && !this.task) return { say: 'Hello! How can I help you today?', calls: [] };

    const task = this.task;
    // A confirmation question is open: yes runs it, a correction changes it.
    if (task?.awaiting === 'confirm') {
      if (u.affirm && Object.keys(slots).length === 0) return this.run(task, tools);
      if (u.deny || Object.keys(slots).length > 0) {
        if (Object.keys(slots).length === 0) {
          this.task = null;
          return { say: 'No problem. What would you like instead?', calls: [] };
        }
        task.slots = { ...task.slots, ...slots };
        task.awaiting = null;
        return this.advance(task, tools);
      }
    }

    const kind = TASK_OF[u.intent];
    // "No, Tuesday" right after a booking: move that booking.
    if (!kind && u.deny && this.lastBooking && (slots.date || slots.time) && !task) {
      const t: Task = { kind: 'reschedule', slots: { date: slots.date ?? this.lastBooking.date, time: slots.time ?? this.lastBooking.time }, awaiting: null };
      this.task = t;
      return this.advance(t, tools);
    }
    if (kind && (!task || task.kind !== kind)) {
      // Booking after asking about availability keeps what was said.
      const carried = task && (task.kind === 'check' || task.kind === 'book') && (kind === 'book' || kind === 'check') ? task.slots : {};
      const t: Task = { kind, slots: { ...carried, ...slots }, awaiting: null };
      this.task = t;
      return this.advance(t, tools);
    }
    if (task) {
      task.slots = { ...task.slots, ...slots };
      if (task.awaiting && !(u.affirm || Object.keys(slots).length > 0)) {
        return { say: `Sorry, I didn't get that. ${this.question(task.awaiting)}`, calls: [] };
      }
      task.awaiting = null;
      return this.advance(task, tools);
    }
    if (slots.service || slots.date || slots.time) {
      const t: Task = { kind: 'book', slots, awaiting: null };
      this.task = t;
      return this.advance(t, tools);
    }
    return { say: 'I can book, move or cancel appointments, check availability, and look up orders. What would you like to do?', calls: [] };
  }

  private question(awaiting: Exclude<Awaiting, null>): string {
    if (awaiting === 'confirm') return 'Shall I go ahead?';
    const slot = (Object.keys(AWAIT_OF) as (keyof Slots)[]).find((k) => AWAIT_OF[k] === awaiting) ?? 'date';
    return QUESTION[slot](this.vocab);
  }

  /** Asks for the first missing slot, or runs the task. */
  private advance(task: Task, tools: ReadonlySet<string>): BrainReply {
    // Digits said after "what's your phone number?" are the phone number.
    if (task.kind === 'customer' && task.slots.orderId && !task.slots.phone && !task.slots.accountId) task.slots.phone = task.slots.orderId;
    const missing = task.kind === 'customer' && task.slots.accountId ? undefined : REQUIRED[task.kind].find((k) => !task.slots[k]);
    if (missing) {
      task.awaiting = AWAIT_OF[missing];
      return { say: QUESTION[missing](this.vocab), calls: [] };
    }
    return this.run(task, tools);
  }

  private run(task: Task, tools: ReadonlySet<string>): BrainReply {
    const tool = TOOL_OF[task.kind];
    if (!tools.has(tool)) {
      this.task = null;
      return { say: "I'm sorry, I can't do that from here. Is there anything else I can help with?", calls: [] };
    }
    const s = task.slots;
    const args = (
      task.kind === 'book'
        ? defined({ service: s.service, date: s.date, time: s.time, staff: s.staff } as Slots)
        : task.kind === 'check'
          ? defined({ service: s.service, date: s.date, time: s.time, staff: s.staff } as Slots)
          : task.kind === 'cancel'
            ? this.lastBooking?.id && !s.date
              ? { appointment_id: this.lastBooking.id }
              : defined({ date: s.date, time: s.time } as Slots)
            : task.kind === 'reschedule'
              ? { ...(this.lastBooking?.id ? { appointment_id: this.lastBooking.id } : {}), new_date: s.date, new_time: s.time }
              : task.kind === 'order'
                ? { order_id: s.orderId }
                : s.accountId
                  ? { account_id: s.accountId }
                  : { phone: s.phone }
    ) as Record<string, unknown>;
    task.awaiting = null;
    return { calls: [{ name: tool, args }] };
  }

  private withTool(tools: ReadonlySet<string>, tool: BuiltinToolName, args: Record<string, unknown>, say: string, otherwise = say): BrainReply {
    return tools.has(tool) ? { say, calls: [{ name: tool, args }] } : { say: otherwise, calls: [] };
  }

  private afterTool(input: Extract<BrainInput, { kind: 'tool_result' }>): BrainReply {
    const base = this.base();
    const o = parseOutput(input.output);
    const err = errorText(o);
    const a = input.args as Record<string, string | undefined>;
    const task = this.task;
    if (input.name === 'end_call' || input.name === 'transfer_to_human') return { calls: [] };
    if (err) {
      const alternatives = times(o);
      if (alternatives.length > 0 && task && (task.kind === 'book' || task.kind === 'check')) {
        task.kind = 'book';
        task.slots.time = undefined;
        task.awaiting = 'time';
        return { say: `Sorry, ${err.replace(/\.$/, '')}. I have ${stop(listOr(alternatives.slice(0, 3).map(timeOnly)))} Would one of those work?`, calls: [] };
      }
      this.task = null;
      return { say: `Sorry, ${err.replace(/\.$/, '')}. Can I help with anything else?`, calls: [] };
    }
    switch (input.name) {
      case 'book_appointment': {
        const appt = (o.appointment ?? o) as Record<string, unknown>;
        this.lastBooking = { id: typeof appt.id === 'string' ? appt.id : undefined, service: a.service ?? '', date: a.date ?? '', time: a.time ?? '' };
        this.task = null;
        return { say: `You're all set: ${stop(`${article(a.service ?? 'appointment')} ${when(a.date, a.time, base)}`)} Anything else?`, calls: [] };
      }
      case 'check_availability': {
        const free = times(o);
        if (task) task.kind = 'book';
        if (a.time && (free.includes(a.time) || o.available === true)) {
          if (task) task.awaiting = 'confirm';
          return { say: `Yes, ${when(a.date, a.time, base)} is free. Shall I book it?`, calls: [] };
        }
        if (free.length === 0) {
          if (task) {
            task.slots.date = undefined;
            task.awaiting = 'date';
          }
          return { say: `Sorry, there's nothing free ${when(a.date, undefined, base)}. Would another day work?`, calls: [] };
        }
        if (task) {
          task.slots.time = undefined;
          task.awaiting = 'time';
        }
        return { say: `${when(a.date, undefined, base).replace(/^./, (c) => c.toUpperCase())} I have ${stop(listOr(free.slice(0, 3).map(timeOnly)))} Which would you like?`, calls: [] };
      }
      case 'cancel_appointment':
        this.task = null;
        this.lastBooking = null;
        return { say: 'Your appointment is cancelled. Anything else?', calls: [] };
      case 'reschedule_appointment':
        this.task = null;
        if (this.lastBooking) this.lastBooking = { ...this.lastBooking, date: a.new_date ?? '', time: a.new_time ?? '' };
        return { say: `Done. You're now booked ${stop(when(a.new_date, a.new_time, base))} Anything else?`, calls: [] };
      case 'lookup_order': {
        this.task = null;
        const status = typeof o.status === 'string' ? o.status.replace(/_/g, ' ') : 'being processed';
        const eta = typeof o.eta === 'string' ? `, arriving ${o.eta}` : '';
        return { say: `Order ${a.order_id} is ${status}${eta}. Anything else?`, calls: [] };
      }
      case 'lookup_customer': {
        this.task = null;
        const name = typeof o.name === 'string' ? o.name : null;
        return { say: name ? `Thanks, ${name}, I found your account. How can I help?` : "I couldn't find an account with that number.", calls: [] };
      }
      default:
        this.task = null;
        return { say: 'Done. Anything else?', calls: [] };
    }
  }
}
