import { appointmentIdOf, describeAction, SIDE_EFFECT_TOOLS } from './actions.js';
import type {
  CallerMemory,
  Database,
  RecordStore,
  SessionDetail,
  SessionRecord,
  ToolCallRecord,
  TranscriptRecord,
  TurnRecord,
  UsageRecord,
} from './types.js';

/*
 * What happened in sessions: transcripts, tool calls, usage, turn latencies, and what Parley
 * remembers about callers. Writes are single statements (no transaction needed); JSON goes
 * in as text and is cast, so strings and arrays survive both drivers unchanged.
 */

interface SessionRow {
  id: string;
  agent: string;
  caller_id: string | null;
  transport: SessionRecord['transport'];
  engine: string;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  summary: string | null;
}

const SELECT_SESSION = 'SELECT id, agent, caller_id, transport, engine, started_at, ended_at, end_reason, summary FROM sessions';

export class PostgresRecordStore implements RecordStore {
  constructor(private readonly db: Database) {}

  async startSession(s: Omit<SessionRecord, 'endedAt' | 'endReason' | 'summary'>): Promise<void> {
    await this.db.query(
      `INSERT INTO sessions (id, agent, caller_id, transport, engine, started_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (id) DO NOTHING`,
      [s.id, s.agent, s.callerId, s.transport, s.engine, instant(s.startedAt)],
    );
  }

  async endSession(id: string, end: { endedAt: string; reason: string; summary?: string }): Promise<void> {
    await this.db.query(`UPDATE sessions SET ended_at = $2::timestamptz, end_reason = $3, summary = coalesce($4, summary) WHERE id = $1`, [
      id,
      instant(end.endedAt),
      end.reason,
      end.summary ?? null,
    ]);
  }

  async reopenSession(id: string): Promise<boolean> {
    const r = await this.db.query('UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE id = $1 RETURNING id', [id]);
    return r.rows.length === 1;
  }

  async transcript(t: TranscriptRecord): Promise<void> {
    // A later write of the same item (final text, or truncation after barge-in) replaces the text but keeps its place.
    await this.db.query(
      `INSERT INTO transcript_items (session_id, item_id, role, text, truncated, occurred_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
       ON CONFLICT (session_id, item_id) DO UPDATE SET text = EXCLUDED.text, truncated = EXCLUDED.truncated, role = EXCLUDED.role`,
      [t.sessionId, t.itemId, t.role, t.text, t.truncated, instant(t.at)],
    );
  }

  async toolCall(t: ToolCallRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO tool_calls (session_id, call_id, name, arguments, output, error, latency_ms, occurred_at)
       VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6, $7, $8::timestamptz)
       ON CONFLICT (session_id, call_id) DO UPDATE SET output = EXCLUDED.output, error = EXCLUDED.error, latency_ms = EXCLUDED.latency_ms`,
      [t.sessionId, t.callId, t.name, json(t.arguments), json(t.output), t.error, Math.round(t.latencyMs), instant(t.at)],
    );
  }

  async usage(u: UsageRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO usage_records (session_id, response_id, input_tokens, output_tokens, raw, cost_usd, occurred_at)
       VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7::timestamptz) ON CONFLICT (session_id, response_id) DO NOTHING`,
      [u.sessionId, u.responseId, u.inputTokens, u.outputTokens, json(u.raw), u.costUsd, instant(u.at)],
    );
  }

  async turn(t: TurnRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO turns (session_id, item_id, transcript_ms, first_output_ms, first_audio_ms, tool_ms, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
       ON CONFLICT (session_id, item_id) DO UPDATE SET transcript_ms = EXCLUDED.transcript_ms, first_output_ms = EXCLUDED.first_output_ms,
         first_audio_ms = EXCLUDED.first_audio_ms, tool_ms = EXCLUDED.tool_ms`,
      [t.sessionId, t.itemId, ms(t.transcriptMs), ms(t.firstOutputMs), ms(t.firstAudioMs), ms(t.toolMs), instant(t.at)],
    );
  }

  async session(id: string): Promise<SessionDetail | null> {
    const row = (await this.db.query<SessionRow>(`${SELECT_SESSION} WHERE id = $1`, [id])).rows[0];
    if (!row) return null;
    const [transcript, toolCalls, usage, turns] = await Promise.all([
      this.db.query<{ item_id: string; role: TranscriptRecord['role']; text: string; truncated: boolean; occurred_at: Date }>(
        'SELECT item_id, role, text, truncated, occurred_at FROM transcript_items WHERE session_id = $1 ORDER BY occurred_at, seq',
        [id],
      ),
      this.db.query<{ call_id: string; name: string; arguments: unknown; output: unknown; error: string | null; latency_ms: number; occurred_at: Date }>(
        'SELECT call_id, name, arguments, output, error, latency_ms, occurred_at FROM tool_calls WHERE session_id = $1 ORDER BY occurred_at, call_id',
        [id],
      ),
      this.db.query<{ response_id: string; input_tokens: number; output_tokens: number; raw: unknown; cost_usd: number; occurred_at: Date }>(
        'SELECT response_id, input_tokens, output_tokens, raw, cost_usd, occurred_at FROM usage_records WHERE session_id = $1 ORDER BY occurred_at, response_id',
        [id],
      ),
      this.db.query<{ item_id: string; transcript_ms: number | null; first_output_ms: number | null; first_audio_ms: number | null; tool_ms: number | null; occurred_at: Date }>(
        'SELECT item_id, transcript_ms, first_output_ms, first_audio_ms, tool_ms, occurred_at FROM turns WHERE session_id = $1 ORDER BY occurred_at, item_id',
        [id],
      ),
    ]);
    const usageRecords: UsageRecord[] = usage.rows.map((r) => ({
      sessionId: id,
      responseId: r.response_id,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      raw: r.raw,
      costUsd: r.cost_usd,
      at: r.occurred_at.toISOString(),
    }));
    return {
      ...toSession(row),
      transcript: transcript.rows.map((r) => ({ sessionId: id, itemId: r.item_id, role: r.role, text: r.text, truncated: r.truncated, at: r.occurred_at.toISOString() })),
      toolCalls: toolCalls.rows.map((r) => ({
        sessionId: id,
        callId: r.call_id,
        name: r.name,
        arguments: r.arguments,
        output: r.output,
        error: r.error,
        latencyMs: r.latency_ms,
        at: r.occurred_at.toISOString(),
      })),
      usage: usageRecords,
      turns: turns.rows.map((r) => ({
        sessionId: id,
        itemId: r.item_id,
        transcriptMs: r.transcript_ms,
        firstOutputMs: r.first_output_ms,
        firstAudioMs: r.first_audio_ms,
        toolMs: r.tool_ms,
        at: r.occurred_at.toISOString(),
      })),
      totals: {
        inputTokens: usageRecords.reduce((n, u) => n + u.inputTokens, 0),
        outputTokens: usageRecords.reduce((n, u) => n + u.outputTokens, 0),
        costUsd: usageRecords.reduce((n, u) => n + u.costUsd, 0),
      },
    };
  }

  async sessions(filter: { agent?: string; callerId?: string; live?: boolean; limit?: number; before?: string } = {}): Promise<SessionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.agent !== undefined) where.push(`agent = $${params.push(filter.agent)}`);
    if (filter.callerId !== undefined) where.push(`caller_id = $${params.push(filter.callerId)}`);
    if (filter.live !== undefined) where.push(filter.live ? 'ended_at IS NULL' : 'ended_at IS NOT NULL');
    if (filter.before !== undefined) where.push(`started_at < $${params.push(instant(filter.before))}::timestamptz`);
    const limit = Math.max(1, Math.min(500, Math.floor(filter.limit ?? 50)));
    const sql = `${SELECT_SESSION}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT $${params.push(limit)}`;
    return (await this.db.query<SessionRow>(sql, params)).rows.map(toSession);
  }

  async memory(callerId: string, limit = 5): Promise<CallerMemory> {
    const n = Math.max(1, Math.min(50, Math.floor(limit)));
    const [summaries, prefs, actions] = await Promise.all([
      this.db.query<{ summary: string }>(
        'SELECT summary FROM sessions WHERE caller_id = $1 AND summary IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT $2',
        [callerId, n],
      ),
      this.db.query<{ key: string; value: string }>('SELECT key, value FROM caller_preferences WHERE caller_id = $1 ORDER BY key', [callerId]),
      // A few extra rows: some successful calls may still not describe as an action.
      this.db.query<{ name: string; arguments: unknown; output: unknown }>(
        `SELECT t.name, t.arguments, t.output FROM tool_calls t JOIN sessions s ON s.id = t.session_id
          WHERE s.caller_id = $1 AND t.error IS NULL AND t.name = ANY($2::text[])
          ORDER BY t.occurred_at DESC, t.call_id DESC LIMIT $3`,
        [callerId, [...SIDE_EFFECT_TOOLS], n * 2],
      ),
    ]);
    return {
      callerId,
      summaries: summaries.rows.map((r) => r.summary),
      preferences: Object.fromEntries(prefs.rows.map((r) => [r.key, r.value])),
      lastActions: actions.rows.flatMap((r) => describeAction(r.name, r.arguments, r.output) ?? []).slice(0, n),
      appointmentIds: [...new Set(actions.rows.flatMap((r) => appointmentIdOf(r.arguments, r.output) ?? []))],
    };
  }

  async setPreference(callerId: string, key: string, value: string): Promise<void> {
    await this.db.query(
      `INSERT INTO caller_preferences (caller_id, key, value, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (caller_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [callerId, key, value],
    );
  }
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    agent: r.agent,
    callerId: r.caller_id,
    transport: r.transport,
    engine: r.engine,
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at?.toISOString() ?? null,
    endReason: r.end_reason,
    summary: r.summary,
  };
}

/** Validates an ISO instant before it reaches SQL (a bad one is the caller's bug, said plainly). */
function instant(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO 8601 instant: ${JSON.stringify(iso)}`);
  return new Date(t).toISOString();
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function ms(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
