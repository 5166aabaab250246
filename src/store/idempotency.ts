import { BusinessError, type Database, type Queryable } from './types.js';

/** What a mutation returned the first time: the value, or the business rule that said no. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: BusinessError['code']; message: string; alternatives: string[] } };

/**
 * Runs `fn` in a transaction, at most once per `key`. The key row is inserted first
 * (ON CONFLICT DO NOTHING): a concurrent call with the same key blocks on the unique index
 * until the first commits, then reads the stored outcome instead of acting. The outcome is
 * written in the same transaction as the effect, so either both exist or neither.
 * Errors other than BusinessError roll everything back, key included (a retry may succeed).
 * Keys are global: callers should make them unique (the tool call id, or session + call id).
 */
export async function idempotent<T>(
  db: Database,
  operation: string,
  key: string | undefined,
  request: unknown,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  if (key === undefined) return db.transaction(fn);
  const fingerprint = canonicalJson(request);
  const outcome = await db.transaction(async (tx): Promise<Outcome<T>> => {
    const claimed = await tx.query('INSERT INTO idempotency (key, operation, request) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key', [
      key,
      operation,
      fingerprint,
    ]);
    if (claimed.rows.length === 0) return stored<T>(tx, key, operation, fingerprint);
    let result: Outcome<T>;
    try {
      result = { ok: true, value: await fn(tx) };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      result = { ok: false, error: { code: err.code, message: err.message, alternatives: [...err.alternatives] } };
    }
    await tx.query('UPDATE idempotency SET result = $2::text::jsonb WHERE key = $1', [key, JSON.stringify(result)]);
    return result;
  });
  if (outcome.ok) return outcome.value;
  throw new BusinessError(outcome.error.code, outcome.error.message, outcome.error.alternatives);
}

async function stored<T>(tx: Queryable, key: string, operation: string, fingerprint: string): Promise<Outcome<T>> {
  const row = (await tx.query<{ operation: string; request: string; result: Outcome<T> | null }>('SELECT operation, request, result FROM idempotency WHERE key = $1', [key]))
    .rows[0];
  if (!row) throw new Error(`idempotency key ${key} vanished`);
  // Replaying another request's result would be wrong: say the key is spent instead (not stored).
  if (row.operation !== operation || row.request !== fingerprint) {
    const what = row.operation !== operation ? 'a different action' : 'different details';
    return { ok: false, error: { code: 'invalid_request', message: `The request id ${key} was already used for ${what}.`, alternatives: [] } };
  }
  // Committed together with the key, so a visible key always has its result.
  if (row.result === null) throw new Error(`idempotency key ${key} has no stored result`);
  return row.result;
}

/** JSON with object keys sorted, so equal requests compare equal whatever built them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  ) ?? 'null';
}
