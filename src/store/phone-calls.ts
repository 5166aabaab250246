import type { Database } from './types.js';

/** A phone call as Parley saw it: who called which number, the session that answered, how it went. */
export interface PhoneCallRecord {
  callSid: string;
  sessionId: string | null;
  accountSid: string;
  from: string;
  to: string;
  /** Twilio's CallStatus (`ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, `canceled`). */
  status: string;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  durationS: number | null;
}

/** One status callback or call-control step, as it came. */
export interface PhoneCallEvent {
  at: string;
  /** `call` (call progress), `stream` (media stream lifecycle) or `parley` (what Parley did: hang-up, transfer). */
  source: 'call' | 'stream' | 'parley';
  event: string;
  detail: Record<string, string>;
}

/** Statuses after which the call is over. */
export const FINAL_CALL_STATUSES: ReadonlySet<string> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

interface CallRow {
  call_sid: string;
  session_id: string | null;
  account_sid: string;
  from_number: string;
  to_number: string;
  status: string;
  started_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  duration_s: number | null;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** Phone calls and their status callbacks. */
export class PhoneCallStore {
  constructor(private readonly db: Database) {}

  /** The webhook answered a call with a session. */
  async started(c: { callSid: string; sessionId: string; accountSid: string; from: string; to: string; status: string; at: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO phone_calls (call_sid, session_id, account_sid, from_number, to_number, status, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz)
       ON CONFLICT (call_sid) DO UPDATE SET session_id = excluded.session_id, status = excluded.status, updated_at = excluded.updated_at`,
      [c.callSid, c.sessionId, c.accountSid, c.from, c.to, c.status, c.at],
    );
  }

  /**
   * A status change. Callbacks can come out of order (and after the end), so a final status
   * is never replaced by a progress one. Unknown calls (not answered here) get a row too.
   */
  /** Returns the session that answered the call (null: none here). */
  async status(c: { callSid: string; accountSid: string; from: string; to: string; status: string; at: string; durationS: number | null }): Promise<string | null> {
    const final = FINAL_CALL_STATUSES.has(c.status);
    const r = await this.db.query<{ session_id: string | null }>(
      `INSERT INTO phone_calls (call_sid, account_sid, from_number, to_number, status, started_at, updated_at, ended_at, duration_s)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz, CASE WHEN $7 THEN $6::timestamptz END, $8)
       ON CONFLICT (call_sid) DO UPDATE SET
         status = CASE WHEN phone_calls.ended_at IS NOT NULL AND NOT $7 THEN phone_calls.status ELSE excluded.status END,
         updated_at = greatest(phone_calls.updated_at, excluded.updated_at),
         ended_at = coalesce(phone_calls.ended_at, excluded.ended_at),
         duration_s = coalesce(excluded.duration_s, phone_calls.duration_s)
       RETURNING session_id`,
      [c.callSid, c.accountSid, c.from, c.to, c.status, c.at, final, c.durationS],
    );
    return r.rows[0]?.session_id ?? null;
  }

  async event(callSid: string, e: PhoneCallEvent): Promise<void> {
    await this.db.query('INSERT INTO phone_call_events (call_sid, at, source, event, detail) VALUES ($1, $2::timestamptz, $3, $4, $5::jsonb)', [callSid, e.at, e.source, e.event, JSON.stringify(e.detail)]);
  }

  async call(callSid: string): Promise<(PhoneCallRecord & { events: PhoneCallEvent[] }) | null> {
    const row = (await this.db.query<CallRow>('SELECT * FROM phone_calls WHERE call_sid = $1', [callSid])).rows[0];
    if (!row) return null;
    const events = await this.db.query<{ at: Date; source: PhoneCallEvent['source']; event: string; detail: Record<string, string> | string }>('SELECT at, source, event, detail FROM phone_call_events WHERE call_sid = $1 ORDER BY id', [callSid]);
    return {
      ...toRecord(row),
      events: events.rows.map((e) => ({ at: iso(e.at)!, source: e.source, event: e.event, detail: typeof e.detail === 'string' ? (JSON.parse(e.detail) as Record<string, string>) : e.detail })),
    };
  }
}

function toRecord(r: CallRow): PhoneCallRecord {
  return {
    callSid: r.call_sid,
    sessionId: r.session_id,
    accountSid: r.account_sid,
    from: r.from_number,
    to: r.to_number,
    status: r.status,
    startedAt: iso(r.started_at)!,
    updatedAt: iso(r.updated_at)!,
    endedAt: iso(r.ended_at),
    durationS: r.duration_s,
  };
}
