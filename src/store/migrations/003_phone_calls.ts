import type { Migration } from './index.js';

/**
 * Phone calls (Twilio): one row per call, keyed by its CallSid, tied to the session that
 * answered it; and every status callback as it came (call progress, stream start/stop/error).
 */
const migration: Migration = {
  version: 3,
  name: 'phone_calls',
  statements: [
    `CREATE TABLE phone_calls (
      call_sid text PRIMARY KEY,
      session_id text,
      account_sid text NOT NULL,
      from_number text NOT NULL,
      to_number text NOT NULL,
      status text NOT NULL,
      started_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      ended_at timestamptz,
      duration_s integer
    )`,
    'CREATE INDEX phone_calls_session ON phone_calls (session_id)',
    `CREATE TABLE phone_call_events (
      id bigserial PRIMARY KEY,
      call_sid text NOT NULL,
      at timestamptz NOT NULL,
      source text NOT NULL,
      event text NOT NULL,
      detail jsonb NOT NULL
    )`,
    'CREATE INDEX phone_call_events_call ON phone_call_events (call_sid, id)',
  ],
};

export default migration;
