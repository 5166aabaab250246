/**
 * The store's contracts: what the rest of Parley may ask of the database. One schema and one
 * set of migrations serve PGlite (embedded default, `PARLEY_DATA_DIR`) and PostgreSQL
 * (`DATABASE_URL`); callers never see which.
 *
 * Dates are `YYYY-MM-DD` and times `HH:MM` in the business's time zone (as tools speak them);
 * instants are ISO 8601 strings with an offset. Money is in integer cents (prices) or USD
 * numbers (usage cost estimates).
 */
import type { PhoneCallStore } from './phone-calls.js';

/** A connection or a transaction: parameterised SQL only ($1, $2…). */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- business domain

export interface Service {
  id: string;
  /** What callers say: "consultation", "check-up"… */
  name: string;
  durationMin: number;
  priceCents: number;
}

export interface StaffMember {
  id: string;
  /** "Doctor Patel" */
  name: string;
  /** Service names this person does. */
  services: string[];
}

export interface Appointment {
  id: string;
  service: string;
  staff: string;
  customerId: string | null;
  date: string;
  time: string;
  durationMin: number;
  status: 'booked' | 'cancelled';
  createdAt: string;
}

export interface Customer {
  id: string;
  name: string;
  /** E.164 or national digits as stored; lookups compare digits only. */
  phone: string | null;
  accountId: string | null;
  email: string | null;
}

export interface OrderItem {
  name: string;
  quantity: number;
}

export interface Order {
  id: string;
  customerId: string | null;
  status: 'processing' | 'shipped' | 'out_for_delivery' | 'delivered' | 'cancelled';
  items: OrderItem[];
  /** Expected delivery date, or null. */
  eta: string | null;
}

/** A business rule said no; `code` is stable, `message` is what an agent can say, `alternatives` are free times. */
export class BusinessError extends Error {
  constructor(
    readonly code: 'slot_taken' | 'closed' | 'in_the_past' | 'unknown_service' | 'unknown_staff' | 'not_found' | 'invalid_request',
    message: string,
    readonly alternatives: string[] = [],
  ) {
    super(message);
    this.name = 'BusinessError';
  }
}

export interface AvailabilityQuery {
  service: string;
  date: string;
  time?: string;
  staff?: string;
}

export interface Availability {
  service: string;
  date: string;
  /** Free start times that day (all staff who do the service), ascending. */
  availableTimes: string[];
  /** When a time was asked: is it free? */
  available?: boolean;
}

export interface BookRequest {
  service: string;
  date: string;
  time: string;
  staff?: string;
  customerId?: string;
}

/** Which appointment: by id, or the customer's booked one on a date (and time). */
export interface AppointmentRef {
  appointmentId?: string;
  customerId?: string;
  date?: string;
  time?: string;
}

/**
 * Mutations take an idempotency key (the tool call id): the same key returns the first
 * result — success or BusinessError — and never has a second effect, also when two calls
 * with the same key race.
 */
export interface BusinessStore {
  services(): Promise<Service[]>;
  staff(): Promise<StaffMember[]>;
  availability(q: AvailabilityQuery): Promise<Availability>;
  book(req: BookRequest, idempotencyKey?: string): Promise<Appointment>;
  cancel(ref: AppointmentRef, idempotencyKey?: string): Promise<Appointment>;
  reschedule(ref: AppointmentRef, to: { date: string; time: string }, idempotencyKey?: string): Promise<Appointment>;
  appointment(id: string): Promise<Appointment | null>;
  appointments(filter?: { date?: string; customerId?: string; status?: Appointment['status']; limit?: number }): Promise<Appointment[]>;
  customer(q: { id?: string; phone?: string; accountId?: string }): Promise<Customer | null>;
  customers(filter?: { phone?: string; name?: string; limit?: number }): Promise<Customer[]>;
  order(id: string): Promise<Order | null>;
}

// ---------------------------------------------------------------- records

export type Transport = 'websocket' | 'webrtc' | 'twilio' | 'terminal' | 'sideband';

export interface SessionRecord {
  id: string;
  agent: string;
  /** Caller identity: user id, phone number or client id; null = anonymous. */
  callerId: string | null;
  transport: Transport;
  engine: string;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  /** Short summary written at the end (for memory). */
  summary: string | null;
}

export interface TranscriptRecord {
  sessionId: string;
  itemId: string;
  role: 'user' | 'assistant';
  text: string;
  /** The assistant item was cut short by barge-in; `text` is what was heard. */
  truncated: boolean;
  at: string;
}

export interface ToolCallRecord {
  sessionId: string;
  callId: string;
  name: string;
  arguments: unknown;
  output: unknown;
  /** Error code when the call failed (validation, timeout, business rule…). */
  error: string | null;
  latencyMs: number;
  at: string;
}

export interface UsageRecord {
  sessionId: string;
  responseId: string;
  inputTokens: number;
  outputTokens: number;
  /** The `usage` object from `response.done`, as received. */
  raw: unknown;
  costUsd: number;
  at: string;
}

/** Per-turn latency, ms from the end of the caller's speech (null = did not happen). */
export interface TurnRecord {
  sessionId: string;
  /** The user item that ended the turn. */
  itemId: string;
  transcriptMs: number | null;
  firstOutputMs: number | null;
  firstAudioMs: number | null;
  toolMs: number | null;
  at: string;
}

export interface SessionDetail extends SessionRecord {
  transcript: TranscriptRecord[];
  toolCalls: ToolCallRecord[];
  usage: UsageRecord[];
  turns: TurnRecord[];
  totals: { inputTokens: number; outputTokens: number; costUsd: number };
}

/** What Parley remembers about a caller across sessions. */
export interface CallerMemory {
  callerId: string;
  /** Summaries of earlier sessions, newest first. */
  summaries: string[];
  preferences: Record<string, string>;
  /** Recent successful side-effecting tool calls, newest first, e.g. "booked a consultation for 2026-11-24 10:00". */
  lastActions: string[];
  /** Appointments those calls touched (from their output, else the `appointment_id` argument), newest first, each once. */
  appointmentIds: string[];
}

export interface RecordStore {
  startSession(s: Omit<SessionRecord, 'endedAt' | 'endReason' | 'summary'>): Promise<void>;
  endSession(id: string, end: { endedAt: string; reason: string; summary?: string }): Promise<void>;
  /** A reconnect resumed the session: it is live again (end cleared). False when there is no such session. */
  reopenSession(id: string): Promise<boolean>;
  /** Upsert by (sessionId, itemId): a truncation rewrites the text. */
  transcript(t: TranscriptRecord): Promise<void>;
  toolCall(t: ToolCallRecord): Promise<void>;
  usage(u: UsageRecord): Promise<void>;
  turn(t: TurnRecord): Promise<void>;
  session(id: string): Promise<SessionDetail | null>;
  sessions(filter?: { agent?: string; callerId?: string; live?: boolean; limit?: number; before?: string }): Promise<SessionRecord[]>;
  memory(callerId: string, limit?: number): Promise<CallerMemory>;
  setPreference(callerId: string, key: string, value: string): Promise<void>;
}

export interface Store {
  readonly db: Database;
  readonly business: BusinessStore;
  readonly records: RecordStore;
  /** Phone calls (Twilio) and their status callbacks. */
  readonly calls: PhoneCallStore;
  close(): Promise<void>;
}
