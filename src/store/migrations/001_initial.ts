import type { Migration } from './index.js';

/** The first schema: business data (bookable, with double booking impossible) and session records. */
const migration: Migration = {
  version: 1,
  name: 'initial',
  statements: [
    // GiST over (staff = , range &&) for the no-double-booking exclusion constraint.
    `CREATE EXTENSION IF NOT EXISTS btree_gist`,

    `CREATE TABLE store_meta (
      key text PRIMARY KEY,
      value text NOT NULL
    )`,

    // ------------------------------------------------------------ business
    `CREATE TABLE services (
      id text PRIMARY KEY,
      name text NOT NULL,
      duration_min integer NOT NULL CHECK (duration_min BETWEEN 1 AND 1440),
      price_cents integer NOT NULL CHECK (price_cents >= 0)
    )`,
    `CREATE UNIQUE INDEX services_name_key ON services (lower(name))`,

    `CREATE TABLE staff (
      id text PRIMARY KEY,
      name text NOT NULL
    )`,
    `CREATE UNIQUE INDEX staff_name_key ON staff (lower(name))`,

    `CREATE TABLE staff_services (
      staff_id text NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
      service_id text NOT NULL REFERENCES services (id) ON DELETE CASCADE,
      PRIMARY KEY (staff_id, service_id)
    )`,
    `CREATE INDEX staff_services_service_idx ON staff_services (service_id)`,

    // weekday 0 = Sunday (as extract(dow)); several rows a day allow a lunch break; no row = closed.
    `CREATE TABLE business_hours (
      weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
      opens_at time NOT NULL,
      closes_at time NOT NULL CHECK (closes_at > opens_at),
      PRIMARY KEY (weekday, opens_at)
    )`,

    `CREATE TABLE holidays (
      date date PRIMARY KEY,
      name text NOT NULL
    )`,

    // phone_digits: digits only, leading zeros (trunk prefix) dropped; lookups match on its last 7.
    `CREATE TABLE customers (
      id text PRIMARY KEY,
      name text NOT NULL,
      phone text,
      phone_digits text GENERATED ALWAYS AS (ltrim(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '0')) STORED,
      account_id text,
      email text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE UNIQUE INDEX customers_account_id_key ON customers (upper(account_id))`,
    `CREATE INDEX customers_phone_tail_idx ON customers (right(phone_digits, 7))`,
    `CREATE INDEX customers_name_idx ON customers (lower(name))`,

    `CREATE TABLE orders (
      id text PRIMARY KEY,
      customer_id text REFERENCES customers (id) ON DELETE SET NULL,
      status text NOT NULL CHECK (status IN ('processing', 'shipped', 'out_for_delivery', 'delivered', 'cancelled')),
      eta date,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX orders_customer_idx ON orders (customer_id)`,

    `CREATE TABLE order_items (
      order_id text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      position integer NOT NULL,
      name text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (order_id, position)
    )`,

    // ends_at is stored because an exclusion constraint needs an immutable expression, and
    // timestamptz + interval is only stable; the CHECK keeps it equal to start + duration.
    `CREATE TABLE appointments (
      id text PRIMARY KEY,
      service_id text NOT NULL REFERENCES services (id),
      staff_id text NOT NULL REFERENCES staff (id),
      customer_id text REFERENCES customers (id) ON DELETE SET NULL,
      starts_at timestamptz NOT NULL,
      duration_min integer NOT NULL CHECK (duration_min > 0),
      ends_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
      staff_requested boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT appointments_ends_at_check CHECK (ends_at = starts_at + make_interval(mins => duration_min)),
      CONSTRAINT appointments_no_double_booking EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'booked')
    )`,
    `CREATE INDEX appointments_starts_at_idx ON appointments (starts_at)`,
    `CREATE INDEX appointments_customer_idx ON appointments (customer_id, starts_at)`,

    // The first result of a mutation, written in the same transaction as its effect; request
    // is the canonical JSON of what was asked, so a reused key with other arguments is caught.
    `CREATE TABLE idempotency (
      key text PRIMARY KEY,
      operation text NOT NULL,
      request text NOT NULL,
      result jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,

    // ------------------------------------------------------------ records
    // No foreign keys to sessions: records are written fire-and-forget over a pool, so a
    // transcript row may land before its session row.
    `CREATE TABLE sessions (
      id text PRIMARY KEY,
      agent text NOT NULL,
      caller_id text,
      transport text NOT NULL,
      engine text NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      end_reason text,
      summary text
    )`,
    `CREATE INDEX sessions_started_idx ON sessions (started_at DESC)`,
    `CREATE INDEX sessions_caller_idx ON sessions (caller_id, started_at DESC)`,
    `CREATE INDEX sessions_agent_idx ON sessions (agent, started_at DESC)`,
    `CREATE INDEX sessions_live_idx ON sessions (started_at DESC) WHERE ended_at IS NULL`,

    `CREATE TABLE transcript_items (
      session_id text NOT NULL,
      item_id text NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      role text NOT NULL CHECK (role IN ('user', 'assistant')),
      text text NOT NULL,
      truncated boolean NOT NULL DEFAULT false,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (session_id, item_id)
    )`,
    `CREATE INDEX transcript_items_order_idx ON transcript_items (session_id, occurred_at, seq)`,

    `CREATE TABLE tool_calls (
      session_id text NOT NULL,
      call_id text NOT NULL,
      name text NOT NULL,
      arguments jsonb,
      output jsonb,
      error text,
      latency_ms integer NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (session_id, call_id)
    )`,
    `CREATE INDEX tool_calls_session_idx ON tool_calls (session_id, occurred_at)`,

    `CREATE TABLE usage_records (
      session_id text NOT NULL,
      response_id text NOT NULL,
      input_tokens integer NOT NULL,
      output_tokens integer NOT NULL,
      raw jsonb,
      cost_usd double precision NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (session_id, response_id)
    )`,

    `CREATE TABLE turns (
      session_id text NOT NULL,
      item_id text NOT NULL,
      transcript_ms integer,
      first_output_ms integer,
      first_audio_ms integer,
      tool_ms integer,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (session_id, item_id)
    )`,

    `CREATE TABLE caller_preferences (
      caller_id text NOT NULL,
      key text NOT NULL,
      value text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (caller_id, key)
    )`,
  ],
};

export default migration;
