import { dropFields, moveToBeta, moveToGA } from './fields.js';
import { INPUT_AUDIO_RULES, SESSION_RULES } from './rules.js';

// GA has no temperature; beta clients were told their model ran at the beta default.
const REPORTED_TEMPERATURE = 0.8;

/**
 * Flat beta `session.update.session` → partial GA session (`type: 'realtime'`).
 * Only present fields are mapped (`null` stays `null`); `temperature` is dropped
 * with a note in `warnings`; unknown fields pass through unchanged so the GA
 * validator rejects them by name (`unknown_parameter`).
 */
export function betaSessionToGA(beta: Record<string, unknown>, warnings: string[] = []): Record<string, unknown> {
  return { type: 'realtime', ...moveToGA(dropFields(beta, ['temperature'], 'session', warnings), SESSION_RULES) };
}

/**
 * Beta `transcription_session.update.session` → partial GA session with
 * `type: 'transcription'` (best effort: beta `modalities` has no GA place and is dropped).
 */
export function betaTranscriptionSessionToGA(beta: Record<string, unknown>, warnings: string[] = []): Record<string, unknown> {
  return { type: 'transcription', ...moveToGA(dropFields(beta, ['modalities'], 'session', warnings), INPUT_AUDIO_RULES) };
}

/**
 * Full GA session (as in `session.created`/`.updated`) → beta session object.
 * `id`, `object`, `model`, `expires_at` and the like are named the same in both.
 * GA-only settings (`truncation`, `prompt`, `include`, ...) are kept: beta clients
 * ignore fields they do not know, and GA → beta → GA loses nothing.
 */
export function gaSessionToBeta(ga: Record<string, unknown>): Record<string, unknown> {
  const { type, ...rest } = ga;
  const beta = moveToBeta(rest, SESSION_RULES);
  return type === 'transcription' ? beta : { ...beta, temperature: REPORTED_TEMPERATURE };
}
